// The forwards record: where a running forward (port-forward or dev) serves the release, for the
// tasks that depend on it. Nx starts a continuous dependency and its dependents side by side and
// never says when the dependency is ready, so the forward writes this record once every forward
// answers and removes it when it stops; a dependent waits for it with waitForForwards().
import { workspaceRoot } from '@nx/devkit';
import { existsSync, readFileSync, rmSync } from 'fs';
import { join } from 'path';
import { processAlive } from '../adapters/run';
import { recordPath, writeRecord } from '../records';

export interface ForwardsRecord {
  project: string;
  release: string;
  namespace: string;
  context: string;
  /** The process that serves the forwards: a record whose process is gone is stale. */
  pid: number;
  openedAt: string;
  forwards: Array<{ service: string; remotePort: number; localPort: number; url: string }>;
  /** Service name -> the URL of its first forwarded port. */
  urls: Record<string, string>;
}

const fileOf = (root: string, project: string) => join(root, recordPath(project, 'forwards'));

export function publishForwards(root: string, record: ForwardsRecord): void {
  writeRecord(fileOf(root, record.project), record);
}

/** Removes the record this process (or a process that is gone) wrote; another live forward's stays. */
export function withdrawForwards(root: string, project: string, pid = process.pid): void {
  const current = readRaw(root, project);
  if (current === undefined) return;
  if (current === null || current.pid === pid || !processAlive(current.pid)) rmSync(fileOf(root, project), { force: true });
}

/** undefined: no record; null: unreadable (a hand edit). */
function readRaw(root: string, project: string): ForwardsRecord | null | undefined {
  const file = fileOf(root, project);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ForwardsRecord;
  } catch {
    return null;
  }
}

/** The record of a forward that is serving now, or null. */
export function readForwards(root: string, project: string): ForwardsRecord | null {
  const r = readRaw(root, project);
  return r && typeof r.pid === 'number' && processAlive(r.pid) ? r : null;
}

export interface WaitOptions {
  /** The workspace root. Default: the Nx workspace the current directory is in. */
  root?: string;
  /** Default 180 s: the forward starts once its deploy has finished, and then waits for the pods. */
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Waits until `project`'s forwards serve (its port-forward or dev task runs and every forward
 * answered its health check) and returns their addresses. For a test target that depends on
 * the continuous port-forward: `const { urls } = await waitForForwards('todo-app')`.
 */
export async function waitForForwards(project: string, options: WaitOptions = {}): Promise<ForwardsRecord> {
  const root = options.root ?? workspaceRoot;
  const timeoutMs = options.timeoutMs ?? 180_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = readForwards(root, project);
    if (r) return r;
    if (Date.now() >= deadline)
      throw new Error(
        `no forward of ${project} became ready within ${timeoutMs / 1000} s (${recordPath(project, 'forwards')} was not written). ` +
          `Fix: run this target through Nx with dependsOn ${project}:port-forward, and read that task's output for why it is not ready`,
      );
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 200));
  }
}
