// The cluster stage: which cluster the current context points at, how images reach it,
// and its identity (for hashes: a recreated cluster must never match an old cache entry).
import { Runner } from '../adapters/run';
import { Kubectl } from '../adapters/kubectl';
import { ClusterTarget, detectCluster, registryHostFromHosting } from './detect';
import { CONTAINERD_EXTENSION, KubeContext, readKubeContext } from './kubeconfig';

export * from './detect';
export * from './kubeconfig';

export interface ClusterOptions {
  cluster?: string;
  context?: string;
  containerdAddress?: string;
  registry?: string;
}

export interface Cluster {
  context: KubeContext;
  kubectl: Kubectl;
}

export interface ClusterWithRoute extends Cluster {
  target: ClusterTarget;
}

export class NoImageRouteError extends Error {}

/** The kube context to talk to (the option, else the current one). */
export function connect(o: { context?: string }, env: NodeJS.ProcessEnv, run: Runner): Cluster {
  const context = readKubeContext(env, o.context);
  return { context, kubectl: new Kubectl(run, context.name) };
}

/**
 * The cluster and how images get into it. A cluster that advertises a local registry (KEP-1755:
 * kind's documented pattern, `local-cluster registry up`) wants images pushed there, where only
 * the layers an image adds travel: that wins over a route inferred from the kubeconfig, never
 * over one the options name. `hosting` reads the ConfigMap (kubectl, or the API in the hashers).
 */
export async function resolveCluster(
  o: ClusterOptions,
  env: NodeJS.ProcessEnv,
  run: Runner,
  hosting?: Pick<Kubectl, 'localRegistryHosting'>,
): Promise<ClusterWithRoute> {
  const { context, kubectl } = connect(o, env, run);
  let target = detectCluster({ forced: o.cluster, context, containerdAddress: o.containerdAddress, registryHost: o.registry });
  const inferred = (!o.cluster || o.cluster === 'auto') && !o.containerdAddress && !o.registry;
  if (!target || (inferred && target.kind !== 'registry' && target.kind !== 'docker-desktop')) {
    const yaml = await (hosting ?? kubectl).localRegistryHosting();
    const host = yaml ? registryHostFromHosting(yaml) : null;
    if (host) target = { kind: 'registry', host };
  }
  if (!target) {
    throw new NoImageRouteError(
      `cannot tell how to get images into kube context '${context.name}' (not minikube, kind or docker-desktop, no ${CONTAINERD_EXTENSION} extension on its cluster in the kubeconfig, and no kube-public/local-registry-hosting ConfigMap). Fix: set option cluster (minikube, kind, containerd, registry, docker-desktop) and, for registry, option registry`,
    );
  }
  return { context, kubectl, target };
}

const identities = new Map<string, Promise<string>>();

/** Cluster identity, asked once per process: context, server and the kube-system namespace UID (from kubectl, or the API in the hashers). */
export function clusterIdentity(c: Cluster, from: { clusterId(): Promise<string> } = c.kubectl): Promise<string> {
  const key = `${c.context.name}\0${c.context.server}`;
  let p = identities.get(key);
  if (!p) {
    p = from.clusterId().then((uid) => `${c.context.name}|${c.context.server}|${uid}`);
    identities.set(key, p);
    p.catch(() => identities.delete(key));
  }
  return p;
}

/** The current kube context's API server version, or null (no kube context, no answer within timeoutMs). */
export async function currentServerVersion(
  env: NodeJS.ProcessEnv,
  run: Runner,
  timeoutMs = 5_000,
): Promise<{ context: string | null; version: string | null }> {
  let context: KubeContext;
  try {
    context = readKubeContext(env);
  } catch {
    return { context: null, version: null };
  }
  return { context: context.name, version: await new Kubectl(run, context.name).serverVersion(timeoutMs) };
}
