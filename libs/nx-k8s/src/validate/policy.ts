// What validation leaves out or only warns about, decided from data: `helm test` hooks (pods the
// release never runs; their random names would change the report every run), rules a chart
// switches off with a reason, and violations inside a third-party subchart (not the user's file
// to edit). Pure functions; the stage applies them, the executor reports them.
import { Manifest } from './manifests';
import { RULE_IDS, RuleId, Violation } from './violation';

/** `helm.sh/hook: test` (Helm 3), `test-success` / `test-failure` (Helm 2 charts), alone or in a list. */
export function isTestHook(m: Manifest): boolean {
  const hook = m.doc?.metadata?.annotations?.['helm.sh/hook'];
  if (typeof hook !== 'string') return false;
  return hook.split(',').some((h) => ['test', 'test-success', 'test-failure'].includes(h.trim()));
}

/** The rendered resources the rules check, and the test hooks left out. */
export function withoutTestHooks(manifests: readonly Manifest[]): { manifests: Manifest[]; testHooks: Manifest[] } {
  return { manifests: manifests.filter((m) => !isTestHook(m)), testHooks: manifests.filter(isTestHook) };
}

export interface RuleSwitch {
  off?: boolean;
  reason?: string;
}

/** Option rules -> rule id -> reason, for the rules switched off. Refuses an unknown id or an off rule without a reason, in one line. */
export function rulesOff(rules: Record<string, RuleSwitch> | undefined, option: string): Map<RuleId, string> {
  const off = new Map<RuleId, string>();
  for (const [id, s] of Object.entries(rules ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    if (!(RULE_IDS as readonly string[]).includes(id))
      throw new Error(`${option}: there is no rule ${id}. Fix: use a rule id from the [rule] tags of validate's lines: ${RULE_IDS.join(', ')}`);
    if (!s?.off) continue;
    if (typeof s.reason !== 'string' || !s.reason.trim())
      throw new Error(`${option}: rule ${id} is switched off without a reason. Fix: say why in "reason" (it is printed with every run)`);
    off.set(id as RuleId, s.reason.trim());
  }
  return off;
}

/**
 * Whether a file belongs to a third-party subchart of the chart at `chartDir`: under its charts/
 * directory (vendored, or a package from a repository) and not the source of a file:// dependency.
 */
export function inThirdPartySubchart(file: string, chartDir: string, fileDependencyDirs: readonly string[]): boolean {
  const under = (dir: string) => file.startsWith(`${dir}/`);
  return under(`${chartDir}/charts`) && !fileDependencyDirs.some(under);
}

export interface Verdict {
  /** Violations that fail the task. */
  violations: Violation[];
  /** Violations reported without failing: inside third-party subcharts, unless strict. */
  warnings: Violation[];
  /** Rules switched off, with their reason and how many violations they would have reported. */
  switchedOff: Array<{ rule: RuleId; reason: string; hidden: number }>;
}

export function verdict(
  all: readonly Violation[],
  o: { rulesOff: ReadonlyMap<RuleId, string>; strictSubcharts: boolean; chartDir: string; fileDependencyDirs: readonly string[] },
): Verdict {
  const hidden = new Map<RuleId, number>();
  const out: Verdict = { violations: [], warnings: [], switchedOff: [] };
  for (const v of all) {
    if (o.rulesOff.has(v.rule)) hidden.set(v.rule, (hidden.get(v.rule) ?? 0) + 1);
    else if (!o.strictSubcharts && inThirdPartySubchart(v.file, o.chartDir, o.fileDependencyDirs)) out.warnings.push(v);
    else out.violations.push(v);
  }
  out.switchedOff = [...o.rulesOff].map(([rule, reason]) => ({ rule, reason, hidden: hidden.get(rule) ?? 0 }));
  return out;
}
