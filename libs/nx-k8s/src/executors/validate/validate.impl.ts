import { ExecutorContext, logger } from '@nx/devkit';
import { trackedFiles } from '../../adapters/git';
import { Helm, HelmNotFoundError } from '../../adapters/helm';
import { ProgramNotFoundError, run } from '../../adapters/run';
import { formatViolation, validateRelease } from '../../validate';
import { mask } from '../../secrets';
import { logFor, report } from '../context';
import { normalizeValidateOptions } from './normalize';
import { ValidateExecutorSchema } from './schema';

export default async function validate(options: ValidateExecutorSchema, context: ExecutorContext) {
  const log = logFor(context);
  return report(context, async () => {
    const started = Date.now();
    const spec = normalizeValidateOptions(options, context);
    // helm template needs no kube context: it never contacts a cluster.
    const helm = new Helm(run, '');
    const result = await validateRelease(spec, {
      template: (...args) => helm.template(...args),
      tracked: (paths) => trackedFiles(run, spec.root, paths),
    }).catch((e) => {
      throw e instanceof ProgramNotFoundError && e.program === 'helm' ? new HelmNotFoundError() : e;
    });
    const configurations = Object.keys(spec.configurations);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (result.violations.length) {
      for (const v of result.violations) logger.error(mask(formatViolation(v, configurations)));
      throw new Error(
        `${result.violations.length} violation(s) of the data model's validation rules in ${spec.chart} (${configurations.join(', ')}), ${spec.dockerfiles.length} Dockerfile(s); nothing was deployed`,
      );
    }
    const rendered = configurations.map((c) => `${c} (${result.rendered[c]} manifests)`).join(', ');
    log(
      `valid: chart ${spec.chart} rendered for ${rendered}, ${spec.dockerfiles.length} Dockerfile(s), ${spec.repositories.length} image repositories (${seconds} s)`,
    );
  });
}
