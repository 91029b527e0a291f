// One deploy cycle: the workspace's own `nx run <release>:deploy`, so the cached graph decides
// what rebuilds, loads and upgrades. Its lines are passed on as they come; what each stage did
// comes back as outcomes (records/outcomes.ts), not from reading Nx's terminal output.
import { mkdtempSync, rmSync } from 'fs';
import { join } from 'path';
import { createInterface } from 'readline';
import { nestedRunEnv, nxCli, nxRunArgv } from '../adapters/nx';
import { spawnGroup, SpawnedGroup } from '../adapters/run';
import { stateDir } from '../cache/state-dir';
import { Outcome, OUTCOMES_ENV, readOutcomes } from '../records/outcomes';

export interface CycleSpec {
  root: string;
  project: string;
  target: string;
  configuration?: string;
}

export interface CycleResult {
  ok: boolean;
  /** Wall time of the nested nx run. */
  seconds: number;
  outcomes: Outcome[];
  /** The run's last lines, for a failure no stage explained. */
  tail: string[];
  /** Stopped by stop() (dev is ending), not by a failure. */
  stopped: boolean;
}

export class Cycle {
  private group: SpawnedGroup | null = null;
  private stopping = false;

  constructor(
    private readonly spec: CycleSpec,
    private readonly print: (line: string) => void,
  ) {}

  async run(): Promise<CycleResult> {
    const dir = mkdtempSync(join(stateDir(process.env, 'dev'), 'cycle-'));
    const file = join(dir, 'outcomes.jsonl');
    const started = Date.now();
    const tail: string[] = [];
    try {
      const argv = nxRunArgv(nxCli(this.spec.root), this.spec);
      this.group = spawnGroup(argv, { cwd: this.spec.root, env: nestedRunEnv(process.env, { [OUTCOMES_ENV]: file }) });
      const child = this.group.child;
      const onLine = (line: string) => {
        tail.push(line);
        if (tail.length > 40) tail.shift();
        this.print(line);
      };
      createInterface({ input: child.stdout }).on('line', onLine);
      createInterface({ input: child.stderr }).on('line', onLine);
      const code = await new Promise<number | null>((resolve) => {
        child.on('error', (e: Error) => {
          tail.push(e.message);
          resolve(null);
        });
        child.on('close', (c: number | null) => resolve(c));
      });
      return { ok: code === 0, seconds: (Date.now() - started) / 1000, outcomes: readOutcomes(file), tail, stopped: this.stopping };
    } finally {
      this.group = null;
      rmSync(dir, { recursive: true, force: true });
    }
  }

  stop(): void {
    this.stopping = true;
    this.group?.stop();
  }

  killNow(): void {
    this.stopping = true;
    this.group?.killNow();
  }
}
