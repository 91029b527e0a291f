// What each stage did, as data for whoever runs the graph: one JSON line per task appended to
// the file NX_K8S_OUTCOMES names (dev sets it for the deploy it runs, to say per cycle what
// happened). Neither an input nor an output of any task, so it never changes a hash or a cache
// entry; a task Nx restores from its cache writes none.
import { appendFileSync, existsSync, readFileSync } from 'fs';

export const OUTCOMES_ENV = 'NX_K8S_OUTCOMES';

export interface Outcome {
  /** project:target */
  task: string;
  /** built, reused, loaded, already present, valid, upgraded, up to date, installed ... or failed. */
  result: string;
  seconds: number;
  /** The failure's one line, when result is failed. */
  message?: string;
}

export function noteOutcome(env: NodeJS.ProcessEnv, outcome: Outcome): void {
  const file = env[OUTCOMES_ENV];
  // One write of one line with O_APPEND: tasks running side by side do not interleave.
  if (file) appendFileSync(file, JSON.stringify(outcome) + '\n');
}

export function readOutcomes(file: string): Outcome[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Outcome];
      } catch {
        return [];
      }
    });
}
