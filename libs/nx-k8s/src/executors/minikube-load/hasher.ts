import type { HasherContext, Task } from '@nx/devkit';
import { existsSync } from 'fs';
import { join } from 'path';
import { workspaceRoot } from '@nx/devkit';
import { ImageRecord } from '../../image/record';
import { clusterImageFor } from '../../load';
import { readRecord } from '../../records';
import { clusterAwareHash, targetOptions } from '../hashing';
import { loadReads, prefetch } from '../reads';
import { normalizeLoadOptions } from './normalize';
import { MinikubeLoadExecutorSchema } from './schema';

/** In sync when the runtime holds the image of the record docker-build just produced or restored. */
export default function loadHasher(task: Task, context: HasherContext) {
  prefetch(context);
  return clusterAwareHash(task, context, async () => {
    const o = normalizeLoadOptions(targetOptions<MinikubeLoadExecutorSchema>(task, context), task.target.project);
    const { cluster, identity, holds } = await loadReads(task, context);
    const file = join(workspaceRoot, o.imageFile);
    if (!existsSync(file)) return { identity, desired: 'no image record', inSync: false, note: 'no image record' };
    const record = readRecord<ImageRecord>(file, `run nx run ${task.target.project}:${o.buildTarget}`);
    const loaded = (await holds(clusterImageFor(record, cluster.target))) === true;
    return {
      identity,
      desired: `${record.ref}@${record.id}|${cluster.target.kind}`,
      inSync: loaded,
      note: loaded ? 'image present in the cluster' : 'image not in the cluster',
    };
  });
}
