// nx-k8s's own state on this machine (sync tokens, the secrets digest key, release locks).
// Per user, not per workspace: clones and worktrees of a repository share Nx's cache, so
// they must share what decides whether a cache entry may be used.
import { mkdirSync } from 'fs';
import { homedir } from 'os';
import { join } from 'path';

export function stateDir(env: NodeJS.ProcessEnv = process.env, ...parts: string[]): string {
  const base = env.NX_K8S_STATE_DIR || join(env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state'), 'nx-k8s');
  const dir = join(base, ...parts);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
