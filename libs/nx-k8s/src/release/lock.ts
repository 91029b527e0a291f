// One deploy of a release at a time on this machine. Without it a second deploy reads the
// first one's in-flight upgrade as "stuck" (pending-upgrade) and may roll it back. The lock
// is a directory (mkdir is atomic) holding its owner; an owner whose process is gone (killed,
// even with SIGKILL) no longer holds it.
import { createHash } from 'crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'fs';
import { hostname } from 'os';
import { join } from 'path';
import { processAlive } from '../adapters/run';
import { stateDir } from '../cache/state-dir';

export interface LockKey {
  server: string;
  namespace: string;
  release: string;
}

interface Owner {
  pid: number;
  host: string;
  since: string;
  what: string;
}

export class ReleaseLockTimeoutError extends Error {}

function readOwner(dir: string): Owner | null {
  try {
    return JSON.parse(readFileSync(join(dir, 'owner.json'), 'utf8')) as Owner;
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function lockDir(key: LockKey, env: NodeJS.ProcessEnv): string {
  const id = createHash('sha256').update(`${key.server}\0${key.namespace}\0${key.release}`).digest('hex').slice(0, 16);
  return join(stateDir(env, 'locks'), `release-${key.release}-${id}`);
}

/** Runs fn holding the release's lock; waits (saying so) while another deploy holds it. */
export async function withReleaseLock<T>(
  key: LockKey,
  env: NodeJS.ProcessEnv,
  o: { waitSeconds: number; what: string; log: (l: string) => void },
  fn: () => Promise<T>,
): Promise<T> {
  const dir = lockDir(key, env);
  const started = Date.now();
  let waitingFor: Owner | null = null;
  let lastSaid = 0;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(
        join(dir, 'owner.json'),
        JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString(), what: o.what } satisfies Owner),
      );
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = readOwner(dir);
    if (!owner) {
      // Between the other process's mkdir and its owner file, or a crash right there.
      if (Date.now() - started > 5000) rmSync(dir, { recursive: true, force: true });
      await sleep(100);
      continue;
    }
    if (owner.host === hostname() && !processAlive(owner.pid)) {
      o.log(`release ${key.release}: the deploy that held its lock (pid ${owner.pid}) is gone; taking the lock over`);
      const stale = `${dir}.stale-${process.pid}`;
      try {
        renameSync(dir, stale);
        // Someone else took over first: what we moved is theirs; put it back.
        if (readOwner(stale)?.pid !== owner.pid) renameSync(stale, dir);
        else rmSync(stale, { recursive: true, force: true });
      } catch {
        /* another waiter moved it first */
      }
      continue;
    }
    if (!waitingFor || waitingFor.pid !== owner.pid || Date.now() - lastSaid > 10_000) {
      o.log(
        `waiting: another deploy of release ${key.release} in namespace ${key.namespace} is running (${owner.what}, pid ${owner.pid}, since ${owner.since}); ${((Date.now() - started) / 1000).toFixed(0)} s so far`,
      );
      waitingFor = owner;
      lastSaid = Date.now();
    }
    if (Date.now() - started > o.waitSeconds * 1000) {
      throw new ReleaseLockTimeoutError(
        `release ${key.release} in namespace ${key.namespace} has been locked by another deploy (${owner.what}, pid ${owner.pid}, since ${owner.since}) for more than ${o.waitSeconds} s. Fix: let it finish, or if no deploy is running remove ${dir}`,
      );
    }
    await sleep(500);
  }
  if (waitingFor)
    o.log(`waited ${((Date.now() - started) / 1000).toFixed(1)} s for the other deploy of release ${key.release} (pid ${waitingFor.pid}) to finish`);
  const release = () => {
    if (readOwner(dir)?.pid === process.pid) rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', release);
  try {
    return await fn();
  } finally {
    process.removeListener('exit', release);
    release();
  }
}
