import type { HasherContext, Task } from '@nx/devkit';
import { workspaceRoot } from '@nx/devkit';
import { Helm } from '../../adapters/helm';
import { run } from '../../adapters/run';
import { inSyncWith } from '../../release';
import { imageProjectsOf } from '../context';
import { clusterAwareHash, hasherEnv, targetOptions } from '../hashing';
import { prefetch, releaseReads } from '../reads';
import { normalizeReleaseOptions, releaseDigest } from './normalize';
import { HelmInstallExecutorSchema } from './schema';

/** In sync when the release is deployed with this exact desired state and its Deployments are available. */
export default function releaseHasher(task: Task, context: HasherContext) {
  prefetch(context);
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
    // helm's version joins the digest, whatever the context.
    const [digest, { identity, reading }] = await Promise.all([releaseDigest(o, new Helm(run, '')), releaseReads(task, context)]);
    const inSync = inSyncWith(reading, digest);
    return { identity, desired: digest, inSync, note: inSync ? 'release up to date' : 'release differs' };
  });
}
