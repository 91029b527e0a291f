// The tags the workspace's images would get now, handed from the status hasher to the status
// executor. A tag is derived from the docker-build task's Nx hash, which only Nx's task hasher
// can compute, and Nx runs custom hashers for every task it runs (cacheable or not) with that
// hasher at hand. The file is named by the status task's own hash, read once and removed.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'fs';
import { join } from 'path';
import { stateDir } from '../../cache/state-dir';

export type WorkspaceTags = Record<string, string>;

const DAY_MS = 24 * 3600 * 1000;

export function handTags(hash: string, tags: WorkspaceTags, env: NodeJS.ProcessEnv): void {
  const dir = stateDir(env, 'status');
  // A status run stopped between hashing and running leaves its file: drop old ones.
  for (const f of readdirSync(dir)) if (Date.now() - statSync(join(dir, f)).mtimeMs > DAY_MS) rmSync(join(dir, f), { force: true });
  const file = join(dir, `${hash}.json`);
  writeFileSync(`${file}.${process.pid}`, JSON.stringify(tags));
  renameSync(`${file}.${process.pid}`, file);
}

/** The tags the hasher computed for this task, or null (run outside Nx, or the hasher could not compute them). */
export function takeTags(hash: string | undefined, env: NodeJS.ProcessEnv): WorkspaceTags | null {
  if (!hash) return null;
  const file = join(stateDir(env, 'status'), `${hash}.json`);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as WorkspaceTags;
  } finally {
    rmSync(file, { force: true });
  }
}
