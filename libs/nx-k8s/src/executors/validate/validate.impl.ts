import { ExecutorContext, logger } from '@nx/devkit';
import { trackedFiles } from '../../adapters/git';
import { Helm, HelmNotFoundError } from '../../adapters/helm';
import { ProgramNotFoundError, run } from '../../adapters/run';
import { currentServerVersion } from '../../cluster';
import { formatViolation, validateRelease, ValidationResult } from '../../validate';
import { chooseKubeVersion, KubeVersionChoice } from '../../validate/kube-version';
import { mask } from '../../secrets';
import { logFor, report } from '../context';
import { normalizeValidateOptions } from './normalize';
import { ValidateExecutorSchema } from './schema';

/** The parts of the summary line besides the verdict: Kubernetes version, hooks, warnings, rules off. */
export function summaryNotes(result: ValidationResult, kube: KubeVersionChoice): string[] {
  const notes = [`Kubernetes ${kube.version ?? "helm's default version"} (${kube.source})`];
  if (result.testHooks.length) notes.push(`${result.testHooks.length} helm test hook(s) skipped`);
  if (result.warnings.length) notes.push(`${result.warnings.length} warning(s) in third-party subcharts (option strictSubcharts makes them fail)`);
  for (const r of result.switchedOff) notes.push(`rule ${r.rule} off: ${r.reason}${r.hidden ? ` (${r.hidden} violation(s) not reported)` : ''}`);
  return notes;
}

export default async function validate(options: ValidateExecutorSchema, context: ExecutorContext) {
  const log = logFor(context);
  return report(context, async () => {
    const started = Date.now();
    const normalized = normalizeValidateOptions(options, context);
    const kube = chooseKubeVersion(normalized.kubeVersion, normalized.kubeVersion ? null : await currentServerVersion(process.env, run));
    const spec = { ...normalized, ...(kube.version ? { kubeVersion: kube.version } : {}) };
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
    for (const v of result.warnings) logger.warn(mask(`warning: ${formatViolation(v, configurations)}`));
    const notes = summaryNotes(result, kube).join('; ');
    if (result.violations.length) {
      for (const v of result.violations) logger.error(mask(formatViolation(v, configurations)));
      throw new Error(
        `${result.violations.length} violation(s) of the data model's validation rules in ${spec.chart} (${configurations.join(', ')}), ${spec.dockerfiles.length} Dockerfile(s); ${notes}; nothing was deployed`,
      );
    }
    const rendered = configurations.map((c) => `${c} (${result.rendered[c]} manifests)`).join(', ');
    log(
      `valid: chart ${spec.chart} rendered for ${rendered}, ${spec.dockerfiles.length} Dockerfile(s), ${spec.repositories.length} image repositories; ${notes} (${seconds} s)`,
    );
    return 'valid';
  });
}
