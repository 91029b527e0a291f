// Sync tokens: h0 -> the hash under which the run that made the cluster agree with h0 was
// cached. Only read when the cluster has just been checked and agrees, so a token can never
// make a cache hit stand for a cluster that differs; losing one costs one cheap run.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'fs';
import { join } from 'path';
import { stateDir } from './state-dir';

const file = (env: NodeJS.ProcessEnv, h0: string) => join(stateDir(env, 'sync'), h0);

export function recallToken(h0: string, env: NodeJS.ProcessEnv): string | null {
  const f = file(env, h0);
  if (!existsSync(f)) return null;
  const t = readFileSync(f, 'utf8').trim();
  return /^[0-9a-f]{20}$/.test(t) ? t : null;
}

/** Written when the task is hashed out of sync: if the run fails, the cluster still disagrees next time. */
export function rememberToken(h0: string, value: string, env: NodeJS.ProcessEnv): void {
  const f = file(env, h0);
  const tmp = `${f}.${process.pid}`;
  writeFileSync(tmp, value + '\n');
  renameSync(tmp, f);
}
