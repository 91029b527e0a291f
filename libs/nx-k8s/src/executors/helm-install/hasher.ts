import type { HasherContext, Task } from '@nx/devkit';
import { workspaceRoot } from '@nx/devkit';
import { Helm } from '../../adapters/helm';
import { run } from '../../adapters/run';
import { clusterIdentity, connect } from '../../cluster';
import { desiredDigest } from '../../release/desired';
import { releaseInSync } from '../../release';
import { clusterAwareHash, hasherEnv, targetOptions } from '../hashing';
import { normalizeReleaseOptions } from './normalize';
import { HelmInstallExecutorSchema } from './schema';

/** In sync when the release is deployed with this exact desired state and its Deployments are available. */
export default function releaseHasher(task: Task, context: HasherContext) {
  return clusterAwareHash(task, context, async () => {
    const root = context.projectGraph.nodes[task.target.project].data.root;
    const o = normalizeReleaseOptions(targetOptions<HelmInstallExecutorSchema>(task, context), task.target.project, root, workspaceRoot, hasherEnv(context));
    const cluster = connect(o, hasherEnv(context), run);
    const [identity, inSync] = await Promise.all([
      clusterIdentity(cluster),
      releaseInSync(cluster, new Helm(run, cluster.context.name), o.release, o.namespace, desiredDigest(o)),
    ]);
    return { identity, inSync, note: inSync ? 'release up to date' : 'release differs' };
  });
}
