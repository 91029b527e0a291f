import { ExecutorContext } from '@nx/devkit';
import { join } from 'path';
import { run } from '../../adapters/run';
import { ensureImage } from '../../image/build';
import { tagFromTaskHash } from '../../image/tag';
import { writeRecord } from '../../records';
import { logFor, report, taskHash } from '../context';
import { normalizeBuildOptions } from './normalize';
import { DockerBuildExecutorSchema } from './schema';

export default async function dockerBuild(options: DockerBuildExecutorSchema, context: ExecutorContext) {
  const log = logFor(context);
  return report(context, async () => {
    const o = normalizeBuildOptions(options, context.projectName!);
    const hash = taskHash(context);
    if (!hash) throw new Error('the task has no Nx hash, so no content-addressed tag can be derived. Fix: run it through nx (nx run <project>:docker-build)');
    const tag = tagFromTaskHash(hash);
    const outcome = await ensureImage({ ...o, tag }, context.root, run, log);
    writeRecord(join(context.root, o.outputFile), outcome.record);
    const mb = (outcome.record.size / 1e6).toFixed(0);
    log(
      outcome.result === 'built'
        ? `built ${outcome.record.ref} (${outcome.record.id.slice(0, 19)}, ${mb} MB) in ${outcome.seconds.toFixed(1)} s`
        : `reused ${outcome.record.ref} (already in Docker: same inputs, same tag)`,
    );
    return outcome.result;
  });
}
