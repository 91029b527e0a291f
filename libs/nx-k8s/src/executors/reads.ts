// The cluster reads of one nx run. Nx hashes a run's tasks in waves (a task once its
// dependencies ran), calling a custom hasher per task, so each wave waited for its own kubectl,
// helm and ctr calls. Instead the first nx-k8s hasher of a run starts the reads of every nx-k8s
// task in the graph, each asked once per run (one listing of a node's images for all its apps,
// one helm status per release), and each hasher awaits its share. A reading is as old as its
// run: the bound any hash has, since every hash is computed before its task runs.
import type { HasherContext, Task, TaskGraph } from '@nx/devkit';
import { Helm } from '../adapters/helm';
import { run } from '../adapters/run';
import { clusterIdentity, ClusterWithRoute, connect, currentServerVersion, resolveCluster } from '../cluster';
import { Holds, runtimeHolds } from '../load';
import { readRelease, ReleaseReading } from '../release';
import { EXECUTORS } from './context';
import { hasherEnv, targetOptions } from './hashing';
import { releaseCoordinates } from './helm-install/normalize';
import { HelmInstallExecutorSchema } from './helm-install/schema';
import { normalizeLoadOptions } from './minikube-load/normalize';
import { MinikubeLoadExecutorSchema } from './minikube-load/schema';

// Nx hands every hasher of a run the same task graph object: the run's key.
const runs = new WeakMap<TaskGraph, Map<string, Promise<unknown>>>();

function once<T>(context: HasherContext, key: unknown[], read: () => Promise<T>): Promise<T> {
  let reads = runs.get(context.taskGraph);
  if (!reads) runs.set(context.taskGraph, (reads = new Map()));
  const k = JSON.stringify(key);
  let p = reads.get(k) as Promise<T> | undefined;
  if (!p) {
    p = (async () => read())();
    // Started early, it may fail before any hasher awaits it: that hasher gets the error then.
    p.catch(() => undefined);
    reads.set(k, p);
  }
  return p;
}

export interface LoadReading {
  cluster: ClusterWithRoute;
  identity: string;
  holds: Holds;
}

/** The cluster a load target puts images into, its identity and what its runtime holds. */
export function loadReads(task: Task, context: HasherContext): Promise<LoadReading> {
  const o = normalizeLoadOptions(targetOptions<MinikubeLoadExecutorSchema>(task, context), task.target.project);
  const env = hasherEnv(context);
  return once(context, ['load', o.cluster, o.context, o.containerdAddress, o.registry, env.KUBECONFIG], async () => {
    const cluster = await resolveCluster(o, env, run);
    const [identity, holds] = await Promise.all([clusterIdentity(cluster), runtimeHolds(cluster.target, run)]);
    return { cluster, identity, holds };
  });
}

/** The cluster's identity and what it holds of the target's release. */
export function releaseReads(task: Task, context: HasherContext): Promise<{ identity: string; reading: ReleaseReading }> {
  const o = targetOptions<HelmInstallExecutorSchema>(task, context);
  const env = hasherEnv(context);
  const { release, namespace } = releaseCoordinates(o, task.target.project);
  return once(context, ['release', o.context, env.KUBECONFIG, namespace, release], async () => {
    const cluster = connect(o, env, run);
    const [identity, reading] = await Promise.all([clusterIdentity(cluster), readRelease(cluster, new Helm(run, cluster.context.name), release, namespace)]);
    return { identity, reading };
  });
}

/** The current context's API server version (validate renders for it). */
export function serverVersionReads(context: HasherContext): ReturnType<typeof currentServerVersion> {
  const env = hasherEnv(context);
  return once(context, ['server-version', env.KUBECONFIG], () => currentServerVersion(env, run));
}

const started = new WeakSet<TaskGraph>();

/** Starts, once per run, every read the run's nx-k8s hashers will await. */
export function prefetch(context: HasherContext): void {
  if (started.has(context.taskGraph)) return;
  started.add(context.taskGraph);
  for (const task of Object.values(context.taskGraph.tasks)) {
    const executor = context.projectGraph.nodes[task.target.project]?.data.targets?.[task.target.target]?.executor;
    try {
      if (executor === EXECUTORS.load) void loadReads(task, context);
      if (executor === EXECUTORS.release) {
        void releaseReads(task, context);
        void new Helm(run, '').version().catch(() => undefined);
      }
      if (executor === EXECUTORS.validate && !targetOptions<{ kubeVersion?: string }>(task, context).kubeVersion) void serverVersionReads(context);
    } catch {
      // Bad options: the task's own hasher meets the same error and hashes so that the task runs.
    }
  }
}
