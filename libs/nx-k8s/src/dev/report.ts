// What dev says about a cycle, from its result: one line with what each stage did and how long,
// the tasks Nx answered from its cache, and on a failure the stage's own one line. Pure.
import type { Outcome } from '../records/outcomes';
import type { CycleResult } from './cycle';

const s1 = (n: number) => `${n.toFixed(1)} s`;

export function describeChange(files: string[] | null): string {
  if (!files) return 'start';
  const shown = files.slice(0, 3).join(', ');
  return files.length > 3 ? `${shown} and ${files.length - 3} more` : shown;
}

/** The stages' work: what ran, and for how long in all (stages of different apps run side by side). */
export function workSeconds(outcomes: Outcome[]): number {
  return outcomes.reduce((sum, o) => sum + o.seconds, 0);
}

/** `expected`: the stages a deploy runs (project:target); those without an outcome came from Nx's cache. */
export function describeCycle(n: number, files: string[] | null, r: CycleResult, expected: string[]): string {
  const ran = r.outcomes.filter((o) => o.result !== 'failed');
  const did = ran.map((o) => `${o.task} ${o.result} (${s1(o.seconds)})`);
  const cached = expected.filter((t) => !r.outcomes.some((o) => o.task === t));
  const parts = [did.length ? did.join(', ') : 'nothing to do', ...(cached.length ? [`from Nx's cache: ${cached.join(', ')}`] : [])];
  const head = `cycle ${n} (${describeChange(files)})`;
  if (r.ok) return `${head} deployed in ${s1(r.seconds)}: ${parts.join('; ')}`;
  const failed = r.outcomes.find((o) => o.result === 'failed');
  const why = failed
    ? `${failed.task}: ${failed.message}`
    : `nx exited with an error: ${
        r.tail
          .filter((l) => l.trim())
          .slice(-3)
          .join(' | ') || 'no output'
      }`;
  return `${head} failed after ${s1(r.seconds)}: ${why}. The release keeps serving what it ran before; the next save starts another cycle`;
}
