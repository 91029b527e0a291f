import { ExecutorContext, logger } from '@nx/devkit';
import { Helm, parseManifest } from '../../adapters/helm';
import { run } from '../../adapters/run';
import { clusterIdentity, connect } from '../../cluster';
import { LogFollower } from '../../logs';
import { manifestWorkloads } from '../../release/workloads';
import { mask, nxDotenvFiles, readSecrets } from '../../secrets';
import { logFor, projectRoot, untilStopped } from '../context';
import { normalizeStatusOptions } from '../status/normalize';
import { LogsExecutorSchema } from './schema';

export default async function* logs(options: LogsExecutorSchema, context: ExecutorContext): AsyncGenerator<{ success: boolean }> {
  const log = logFor(context);
  const fail = (message: string) => logger.error(mask(`nx-k8s ${context.projectName}:${context.targetName}: ${message}`));
  let follower: LogFollower;
  try {
    // The release, its namespace and apps as status reads them from helm-install and docker-build.
    const o = normalizeStatusOptions(options, context.projectName!, context.configurationName, context.projectsConfigurations!.projects, context.root);
    const secrets = o.helmInstall?.options.secrets ?? {};
    // Read so that their values are masked in every line (the values themselves are not used).
    readSecrets(secrets, process.env, {
      root: context.root,
      envFile: o.helmInstall?.options.envFile ?? '.env',
      nxDotenvFiles: nxDotenvFiles(projectRoot(context), o.helmInstall?.target ?? 'helm-install', o.configuration),
    });
    const cluster = connect(o, process.env, run);
    await clusterIdentity(cluster);
    const info = await new Helm(run, cluster.context.name).status(o.release, o.namespace);
    if (!info)
      throw new Error(`release ${o.release} is not installed in namespace ${o.namespace} (context ${cluster.context.name}). Fix: nx run-many -t deploy`);
    const workloads = manifestWorkloads(parseManifest(info.manifest), o.namespace);
    const known = new Set([...o.apps.map((a) => a.project), ...workloads.map((w) => w.name)]);
    const unknown = (options.apps ?? []).filter((a) => !known.has(a));
    if (unknown.length)
      throw new Error(`option apps names ${unknown.join(', ')}, which release ${o.release} does not run. Fix: use ${[...known].sort().join(', ')}`);
    follower = new LogFollower(
      cluster.kubectl,
      { workloads, apps: o.apps, only: options.apps ?? null, since: options.since ?? null, tail: options.tail === -1 ? null : (options.tail ?? 10) },
      (line) => process.stdout.write(mask(line) + '\n'),
      log,
    );
    await follower.start();
    log(`following the logs of release ${o.release} (${workloads.length} workload(s) in namespace ${o.namespace}); new pods and restarts are picked up`);
  } catch (e) {
    fail((e as Error).message);
    yield { success: false };
    return;
  }
  // No kubectl may outlive this task, however it ends.
  const { stopped, dispose } = untilStopped(() => follower.killNow());
  try {
    yield { success: true };
    await stopped;
  } finally {
    follower.stop();
    dispose();
  }
}
