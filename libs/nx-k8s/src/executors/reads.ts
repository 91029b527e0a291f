// The cluster reads of one nx run. Nx hashes a run's tasks in waves (a task once its
// dependencies ran), calling a custom hasher per task, so each wave waited for its own kubectl,
// helm and ctr calls. Instead the first nx-k8s hasher of a run starts the reads of every nx-k8s
// task in the graph, each asked once per run (one listing of a node's images for all its apps,
// one helm status per release), and each hasher awaits its share. A reading is as old as its
// run: the bound any hash has, since every hash is computed before its task runs. Where the
// kubeconfig allows, they are GETs to the API server in this process (adapters/kube-api.ts): all
// releases of a namespace in one, its workloads in one per kind, no process started.
import type { HasherContext, Task, TaskGraph } from '@nx/devkit';
import { Docker } from '../adapters/docker';
import { Helm } from '../adapters/helm';
import { run } from '../adapters/run';
import { KubeApi, KubeApiError } from '../adapters/kube-api';
import { apiAccess, Cluster, clusterIdentity, ClusterWithRoute, connect, currentServerVersion, readKubeContext, resolveCluster } from '../cluster';
import { Holds, runtimeHolds } from '../load';
import { readRelease, ReleaseReading, ReleaseSource } from '../release';
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

/** The API of a context, once per run, or null where only kubectl can reach it. */
function apiOf(context: HasherContext, env: NodeJS.ProcessEnv, kubeContext: string): Promise<KubeApi | null> {
  return once(context, ['api', env.KUBECONFIG, kubeContext], async () => {
    try {
      const access = apiAccess(env, kubeContext);
      return access && new KubeApi(access);
    } catch {
      return null;
    }
  });
}

/** helm's storage is read from the API only where helm keeps it in Secrets, its default. */
const helmInSecrets = (env: NodeJS.ProcessEnv) => !env.HELM_DRIVER || /^secrets?$/.test(env.HELM_DRIVER);

function releaseSource(context: HasherContext, env: NodeJS.ProcessEnv, cluster: Cluster, api: KubeApi | null): ReleaseSource {
  const helm = new Helm(run, cluster.context.name);
  if (!api) return { helm, workloads: cluster.kubectl };
  const key = [env.KUBECONFIG, cluster.context.name];
  return {
    helm: helmInSecrets(env)
      ? {
          status: async (release, namespace) => {
            try {
              return (await once(context, ['releases', ...key, namespace], () => api.helmReleases(namespace))).get(release) ?? null;
            } catch (e) {
              // Not allowed to list Secrets: helm may still read its own release.
              if (e instanceof KubeApiError && (e.status === 401 || e.status === 403)) return helm.status(release, namespace);
              throw e;
            }
          },
        }
      : helm,
    workloads: { list: (namespace, resources) => once(context, ['list', ...key, namespace, resources], () => api.list(namespace, resources)) },
  };
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
    const api = await apiOf(context, env, connect(o, env, run).context.name);
    const cluster = await resolveCluster(o, env, run, api ?? undefined);
    const [identity, holds] = await Promise.all([clusterIdentity(cluster, api ?? cluster.kubectl), runtimeHolds(cluster.target, run)]);
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
    const api = await apiOf(context, env, cluster.context.name);
    const [identity, reading] = await Promise.all([
      clusterIdentity(cluster, api ?? cluster.kubectl),
      readRelease(releaseSource(context, env, cluster, api), release, namespace),
    ]);
    return { identity, reading };
  });
}

/** A base image's ID in Docker, or null: apps that share a base ask once. */
export function baseImageReads(context: HasherContext, ref: string): Promise<string | null> {
  return once(context, ['docker-image', ref], async () => (await new Docker(run).inspect(ref).catch(() => null))?.id ?? null);
}

/** The current context's API server version (validate renders for it). */
export function serverVersionReads(context: HasherContext): ReturnType<typeof currentServerVersion> {
  const env = hasherEnv(context);
  return once(context, ['server-version', env.KUBECONFIG], async () => {
    let name: string;
    try {
      name = readKubeContext(env).name;
    } catch {
      return currentServerVersion(env, run);
    }
    const api = await apiOf(context, env, name);
    if (!api) return currentServerVersion(env, run);
    return { context: name, version: await api.serverVersion().catch(() => null) };
  });
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
