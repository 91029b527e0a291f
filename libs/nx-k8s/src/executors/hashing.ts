// Custom hashers let a cache hit stand only while the cluster agrees with it: see
// cache/decision.ts for the decision, this file for how it meets Nx.
import type { Hash, HasherContext, Task } from '@nx/devkit';
import { randomUUID } from 'crypto';
import { ClusterCheck, clusterTaskHash, combine, pluginDigest, recallToken, rememberToken } from '../cache';

export { combine } from '../cache';

/** Nx passes the task's environment to custom hashers, though its types do not say so. */
export function hasherEnv(context: HasherContext): NodeJS.ProcessEnv {
  return (context as HasherContext & { env?: NodeJS.ProcessEnv }).env ?? process.env;
}

export function targetOptions<T>(task: Task, context: HasherContext): T {
  const target = context.projectGraph.nodes[task.target.project]?.data.targets?.[task.target.target];
  const config = task.target.configuration ? target?.configurations?.[task.target.configuration] : undefined;
  return { ...(target?.options ?? {}), ...(config ?? {}), ...(task.overrides ?? {}) } as T;
}

export interface ClusterState {
  /** Context, server and kube-system UID: a recreated cluster changes every hash. */
  identity: string;
  /** What the stage puts into the cluster (image ID, desired-state digest). */
  desired: string;
  inSync: boolean;
  note: string;
}

export async function clusterAwareHash(task: Task, context: HasherContext, check: () => Promise<ClusterState>): Promise<Hash> {
  const env = hasherEnv(context);
  const base = await context.hasher.hashTask(task, context.taskGraph, env);
  let state: ClusterState;
  try {
    state = await check();
  } catch {
    // The task will run and say what is wrong; a hash no cache holds makes sure it does.
    return { value: clusterTaskHash(base.value, { inSync: false, nonce: randomUUID() }, null), details: base.details };
  }
  const h0 = combine(base.value, state.identity, state.desired, pluginDigest());
  const decision: ClusterCheck = state.inSync ? { inSync: true } : { inSync: false, nonce: randomUUID() };
  const value = clusterTaskHash(h0, decision, state.inSync ? recallToken(h0, env) : null);
  if (!state.inSync) rememberToken(h0, value, env);
  return {
    value,
    details: { ...base.details, nodes: { ...(base.details?.nodes ?? {}), 'nx-k8s:cluster': combine(state.identity), 'nx-k8s:state': state.note } },
  };
}
