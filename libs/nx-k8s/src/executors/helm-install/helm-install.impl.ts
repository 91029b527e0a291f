import { ExecutorContext } from '@nx/devkit';
import { join, relative } from 'path';
import { run } from '../../adapters/run';
import { clusterIdentity, connect } from '../../cluster';
import { writeJson } from '../../image/record';
import { deployRelease } from '../../release';
import { withSecretsFile } from '../../secrets';
import { logFor, projectRoot, report } from '../context';
import { normalizeReleaseOptions } from './normalize';
import { HelmInstallExecutorSchema } from './schema';

export default async function helmInstall(options: HelmInstallExecutorSchema, context: ExecutorContext) {
  const log = logFor(context);
  return report(context, async () => {
    const o = normalizeReleaseOptions(options, context.projectName!, projectRoot(context), context.root, process.env);
    const cluster = connect(o, process.env, run);
    await clusterIdentity(cluster);
    const started = Date.now();
    log(`values: chart defaults < ${o.valuesFiles.map((f) => relative(o.chartDir, f)).join(' < ') || '(no values files)'} < --set; images ${Object.values(o.setString).join(' ') || 'none'}; ${Object.keys(o.secretValues).length} secret(s) from the environment/.env`);
    const result = await withSecretsFile(o.secretValues, (secretsFile) => deployRelease({ ...o, secretsFile }, cluster, run, log));
    const took = ((Date.now() - started) / 1000).toFixed(1);
    const waited = result.waitedSeconds > 0 ? `, of which ${result.waitedSeconds.toFixed(1)} s waiting for pods to become ready` : '';
    log(`${result.action}: release ${o.release} revision ${result.revision} in namespace ${o.namespace} (${took} s${waited})`);
    writeJson(join(context.root, o.outputFile), {
      release: o.release,
      namespace: o.namespace,
      chart: relative(context.root, o.chartDir),
      valuesFiles: o.valuesFiles.map((f) => relative(context.root, f)),
      images: o.setString,
    });
  });
}
