import { ExecutorContext } from '@nx/devkit';
import { join, relative } from 'path';
import { Helm } from '../../adapters/helm';
import { run } from '../../adapters/run';
import { clusterIdentity, connect } from '../../cluster';
import { writeRecord } from '../../records';
import { deployRelease } from '../../release';
import { withReleaseLock } from '../../release/lock';
import { imageProjectsOf, logFor, projectRoot, report } from '../context';
import { normalizeReleaseOptions, releaseDigest, stdinValues } from './normalize';
import { HelmInstallExecutorSchema } from './schema';

export default async function helmInstall(options: HelmInstallExecutorSchema, context: ExecutorContext) {
  const log = logFor(context);
  return report(context, async () => {
    const task = { project: context.projectName!, projectRoot: projectRoot(context), target: context.targetName!, configuration: context.configurationName };
    const o = normalizeReleaseOptions(options, task, context.root, process.env, imageProjectsOf(context.projectsConfigurations!.projects));
    const cluster = connect(o, process.env, run);
    await clusterIdentity(cluster);
    const digest = await releaseDigest(o, new Helm(run, cluster.context.name));
    const started = Date.now();
    o.secretNotes.forEach(log);
    log(
      `values: chart defaults < ${o.valuesFiles.map((f) => relative(o.chartDir, f)).join(' < ') || '(no values files)'} < set < images < secrets; images ${Object.values(o.images).join(' ') || 'none'}; ${Object.keys(o.secretValues).length} secret(s)`,
    );
    const lock = { server: cluster.context.server, namespace: o.namespace, release: o.release };
    const what = `nx run ${task.project}:${task.target}${task.configuration ? `:${task.configuration}` : ''}`;
    const spec = { ...o, digest, stdinValues: stdinValues(o) };
    const result = await withReleaseLock(lock, process.env, { waitSeconds: o.timeoutSeconds + 180, what, log }, () => deployRelease(spec, cluster, run, log));
    const took = ((Date.now() - started) / 1000).toFixed(1);
    const waited = result.waitedSeconds > 0 ? `, of which ${result.waitedSeconds.toFixed(1)} s waiting for pods to become ready` : '';
    log(`${result.action}: release ${o.release} revision ${result.revision} in namespace ${o.namespace} (${took} s${waited})`);
    writeRecord(join(context.root, o.outputFile), {
      release: o.release,
      namespace: o.namespace,
      chart: relative(context.root, o.chartDir),
      valuesFiles: o.valuesFiles.map((f) => relative(context.root, f)),
      images: o.images,
    });
    return result.action;
  });
}
