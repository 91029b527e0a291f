// A violation of one of the data model's Validation Rules, as data. Rules return these; the
// executor renders each as one line at the edge (Skaffold's diagnostics-as-data).
import type { Blame } from './values';

/** Every rule, by the id each violation carries (`[rule]` in its line); option rules switches them off by these ids. */
export const RULE_IDS = [
  'image.repository-name',
  'image.tag-not-latest',
  'image.tag-format',
  'image.dockerfile-exists',
  'image.value-read',
  'chart.yaml-valid',
  'chart.required-fields',
  'chart.version-semver',
  'chart.templates-render',
  'chart.values-schema',
  'chart.file-dependencies-exist',
  'chart.lock-matches',
  'deployment.replicas-non-negative',
  'deployment.requests-within-limits',
  'deployment.probe-handler',
  'deployment.container-ports-unique',
  'deployment.selector-matches-template',
  'service.type',
  'service.port-range',
  'service.port-names-unique',
  'service.target-port-exists',
  'service.selector-matches-pods',
  'configmap.key-name',
  'configmap.size',
  'configmap.utf8',
  'secret.key-name',
  'secret.size',
  'secret.base64',
  'secret.not-committed',
  'pod.has-containers',
  'pod.volume-mounts-declared',
  'pod.config-references-exist',
] as const;

export type RuleId = (typeof RULE_IDS)[number];

export interface Violation {
  /** Workspace-relative path of the file to edit. */
  file: string;
  /** 1-based line in `file`, when known (Dockerfiles). */
  line?: number;
  /** Kind/name, e.g. Deployment/todo-frontend, Chart/todo-app, Image/todo-frontend. */
  resource: string;
  /** Where in the file (or the rendered resource): a dotted path, e.g. spec.replicas. */
  field: string;
  rule: RuleId;
  message: string;
  fix: string;
  /**
   * A rendered value that a values file may have set: lets the validator point at the values
   * file and key instead of the template that only copied it.
   */
  blame?: Blame;
  /** Configurations (dev, prod) whose render showed the violation; empty for checks on files. */
  configurations?: string[];
}

/** The one line a violation is reported as. */
export function formatViolation(v: Violation, allConfigurations: readonly string[] = []): string {
  const where = v.line ? `${v.file}:${v.line}` : v.file;
  const configs = v.configurations ?? [];
  // Say which configurations show it only when that is not all of them.
  const only = configs.length > 0 && allConfigurations.some((c) => !configs.includes(c)) ? ` in ${configs.join(', ')}` : '';
  // One line whatever the parts hold (helm errors, values).
  return `${where}: ${v.resource} ${v.field}: ${v.message} [${v.rule}${only}] Fix: ${v.fix}`.replace(/\s*\r?\n\s*/g, ' ');
}

function key(v: Violation): string {
  return [v.file, v.line ?? 0, v.field, v.rule].join('\0');
}

/**
 * One violation per file, field and rule (renders of several configurations find the same ones),
 * and a values-schema violation gives way to a more specific rule about the same field: helm's
 * schema message says less than the rule that explains it.
 */
export function mergeViolations(all: Violation[]): Violation[] {
  const byKey = new Map<string, Violation>();
  for (const v of all) {
    const k = key(v);
    const seen = byKey.get(k);
    if (!seen) byKey.set(k, { ...v, configurations: [...(v.configurations ?? [])] });
    else for (const c of v.configurations ?? []) if (!seen.configurations!.includes(c)) seen.configurations!.push(c);
  }
  const specific = new Set([...byKey.values()].filter((v) => v.rule !== 'chart.values-schema').map((v) => `${v.file}\0${v.field}`));
  return [...byKey.values()]
    .filter((v) => v.rule !== 'chart.values-schema' || !specific.has(`${v.file}\0${v.field}`))
    .sort(
      (a, b) =>
        a.file.localeCompare(b.file) ||
        (a.line ?? 0) - (b.line ?? 0) ||
        a.resource.localeCompare(b.resource) ||
        a.field.localeCompare(b.field) ||
        a.rule.localeCompare(b.rule),
    );
}
