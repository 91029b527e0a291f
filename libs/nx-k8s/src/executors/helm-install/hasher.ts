import type { HasherContext, Task } from '@nx/devkit';
import { workspaceRoot } from '@nx/devkit';
import { Helm } from '../../adapters/helm';
import { run } from '../../adapters/run';
import { clusterIdentity, connect } from '../../cluster';
import { releaseInSync } from '../../release';
import { imageProjectsOf } from '../context';
import { clusterAwareHash, hasherEnv, targetOptions } from '../hashing';
import { normalizeReleaseOptions, releaseDigest } from './normalize';
import { HelmInstallExecutorSchema } from './schema';

/** In sync when the release is deployed with this exact desired state and its Deployments are available. */
export default function releaseHasher(task: Task, context: HasherContext) {
  return clusterAwareHash(task, context, async () => {
    const env = hasherEnv(context);
    const coordinates = { ...task.target, projectRoot: context.projectGraph.nodes[task.target.project].data.root };
    const o = normalizeReleaseOptions(
      targetOptions<HelmInstallExecutorSchema>(task, context),
      coordinates,
      workspaceRoot,
      env,
      imageProjectsOf(context.projectsConfigurations.projects),
    );
    const cluster = connect(o, env, run);
    const helm = new Helm(run, cluster.context.name);
    const digest = await releaseDigest(o, helm);
    const [identity, inSync] = await Promise.all([clusterIdentity(cluster), releaseInSync(cluster, helm, o.release, o.namespace, digest)]);
    return { identity, desired: digest, inSync, note: inSync ? 'release up to date' : 'release differs' };
  });
}
