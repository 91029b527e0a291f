// Custom hashers let a cache hit stand only while the cluster agrees with it.
//
// The hash of a cluster task is h0 = H(Nx's input hash, cluster identity). A recreated
// cluster or another context changes the identity and so every hash. Then the task's own
// check of the cluster (image loaded? release deployed with our digest?) decides:
//   - in sync: h0, a cache hit when Nx has it;
//   - out of sync and h0 never cached: h0, the task runs and its result is stored under h0;
//   - out of sync but h0 cached: the cache would lie, so a different hash makes the task run.
// A check that the cluster changes by running the task can not be part of the hash itself
// (the hash before the first run would never match the one after it); this is why it only
// chooses between the two values.
import type { Hash, HasherContext, Task } from '@nx/devkit';
import { createHash } from 'crypto';
import { existsSync } from 'fs';
import { join } from 'path';

export function combine(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 20);
}

/** Nx's local cache keeps one folder per task hash. */
export function nxCacheHas(hash: string): boolean {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { cacheDir } = require('nx/src/utils/cache-directory') as { cacheDir: string };
  return existsSync(join(cacheDir, hash));
}

/** Nx passes the task's environment to custom hashers, though its types do not say so. */
export function hasherEnv(context: HasherContext): NodeJS.ProcessEnv {
  return (context as HasherContext & { env?: NodeJS.ProcessEnv }).env ?? process.env;
}

export function targetOptions<T>(task: Task, context: HasherContext): T {
  const target = context.projectGraph.nodes[task.target.project]?.data.targets?.[task.target.target];
  const config = task.target.configuration ? target?.configurations?.[task.target.configuration] : undefined;
  return { ...(target?.options ?? {}), ...(config ?? {}), ...(task.overrides ?? {}) } as T;
}

export async function clusterAwareHash(
  task: Task,
  context: HasherContext,
  check: () => Promise<{ identity: string; inSync: boolean; note: string }>,
): Promise<Hash> {
  const base = await context.hasher.hashTask(task, context.taskGraph, hasherEnv(context));
  let identity: string;
  let inSync: boolean;
  let note: string;
  try {
    ({ identity, inSync, note } = await check());
  } catch (e) {
    // The task will run and say what is wrong; a hash nobody can have cached makes sure it does.
    return { value: combine(base.value, 'unverifiable', String(Date.now()), String(Math.random())), details: base.details };
  }
  const h0 = combine(base.value, identity);
  const value = inSync || !nxCacheHas(h0) ? h0 : combine(h0, 'out-of-sync');
  return {
    value,
    details: { ...base.details, nodes: { ...(base.details?.nodes ?? {}), 'nx-k8s:cluster': combine(identity), 'nx-k8s:state': note } },
  };
}
