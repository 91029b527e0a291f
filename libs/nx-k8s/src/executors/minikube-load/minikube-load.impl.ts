import { ExecutorContext, readTargetOptions } from '@nx/devkit';
import { join } from 'path';
import { Docker } from '../../adapters/docker';
import { run } from '../../adapters/run';
import { clusterIdentity, describe, resolveCluster } from '../../cluster';
import { ensureImage } from '../../image/build';
import { ImageRecord } from '../../image/record';
import { clusterImageFor, isLoaded, loadImage } from '../../load';
import { readRecord, writeRecord } from '../../records';
import { logFor, report } from '../context';
import { normalizeBuildOptions } from '../docker-build/normalize';
import { DockerBuildExecutorSchema } from '../docker-build/schema';
import { normalizeLoadOptions } from './normalize';
import { MinikubeLoadExecutorSchema } from './schema';

export default async function minikubeLoad(options: MinikubeLoadExecutorSchema, context: ExecutorContext) {
  const log = logFor(context);
  return report(context, async () => {
    const project = context.projectName!;
    const o = normalizeLoadOptions(options, project);
    let record = readRecord<ImageRecord>(join(context.root, o.imageFile), `run nx run ${project}:${o.buildTarget}`);
    const cluster = await resolveCluster(o, process.env, run);
    await clusterIdentity(cluster);
    const started = Date.now();

    // A cache hit restores the record, not the image: rebuild it when Docker lost it and the
    // cluster does not already have it.
    if (!(await new Docker(run).inspect(record.ref)) && !(await isLoaded(record, cluster.target, run))) {
      log(`${record.ref} is not in Docker (Nx restored its record from cache): rebuilding it`);
      const buildOptions = normalizeBuildOptions(readTargetOptions<DockerBuildExecutorSchema>({ project, target: o.buildTarget }, context), project);
      const rebuilt = await ensureImage({ ...buildOptions, tag: record.tag }, context.root, run, log);
      record = rebuilt.record;
    }

    log(`loading ${record.ref} into ${describe(cluster.target)}`);
    const result = await loadImage(record, cluster.target, run);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    log(`${result}: ${record.ref} in ${describe(cluster.target)} (${seconds} s)`);
    writeRecord(join(context.root, o.outputFile), clusterImageFor(record, cluster.target));
    return result;
  });
}
