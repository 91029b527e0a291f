// Reads the current kube context the way kubectl does (KUBECONFIG, a colon-separated list
// where the first file to set a value wins, else ~/.kube/config), without running kubectl:
// cluster detection runs on every hash and must be cheap.
import { existsSync, readFileSync } from 'fs';
import { homedir } from 'os';
import { delimiter, join } from 'path';
import { parse } from 'yaml';

export interface KubeContext {
  name: string;
  cluster: string;
  server: string;
  namespace?: string;
  /** Names of extensions on the cluster and the context (minikube marks its own). */
  extensions: string[];
  providers: string[];
}

export function kubeconfigPaths(env: NodeJS.ProcessEnv): string[] {
  if (env.KUBECONFIG) return env.KUBECONFIG.split(delimiter).filter(Boolean);
  return [join(env.HOME || homedir(), '.kube', 'config')];
}

interface Named<T> {
  name: string;
  [k: string]: T | string;
}

export function resolveContext(docs: any[], override?: string): KubeContext | null {
  const first = <T>(pick: (d: any) => T | undefined): T | undefined => {
    for (const d of docs) {
      const v = pick(d);
      if (v !== undefined && v !== null && v !== '') return v;
    }
    return undefined;
  };
  const name = override || first<string>((d) => d?.['current-context']);
  if (!name) return null;
  const ctx = first<any>((d) => (d?.contexts as Named<any>[] | undefined)?.find((c) => c.name === name));
  if (!ctx) return null;
  const clusterName = ctx.context?.cluster as string;
  const cluster = first<any>((d) => (d?.clusters as Named<any>[] | undefined)?.find((c) => c.name === clusterName));
  const exts = [...(cluster?.cluster?.extensions ?? []), ...(ctx.context?.extensions ?? [])] as Array<{ name: string; extension?: { provider?: string } }>;
  return {
    name,
    cluster: clusterName,
    server: cluster?.cluster?.server ?? '',
    namespace: ctx.context?.namespace,
    extensions: exts.map((e) => e.name),
    providers: exts.map((e) => e.extension?.provider).filter((p): p is string => !!p),
  };
}

export class NoKubeContextError extends Error {
  constructor(paths: string[], wanted?: string) {
    super(
      wanted
        ? `kube context '${wanted}' is not in ${paths.join(', ')}. Fix: check the context option, or list contexts with kubectl config get-contexts`
        : `no current kube context in ${paths.join(', ') || '(no kubeconfig)'}. Fix: start a cluster (minikube start, or bash tools/local-cluster/local-cluster up) and set KUBECONFIG, or pass the context option`,
    );
  }
}

export class KubeconfigInvalidError extends Error {
  constructor(path: string, parserMessage: string) {
    super(`${path} is not valid YAML (${parserMessage.trim().split('\n')[0].replace(/:$/, '')}). Fix: correct the kubeconfig, or point KUBECONFIG at a valid one (kubectl config view shows what kubectl reads)`);
  }
}

function readKubeconfig(path: string): unknown {
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new KubeconfigInvalidError(path, (e as Error).message);
  }
}

export function readKubeContext(env: NodeJS.ProcessEnv, override?: string): KubeContext {
  const paths = kubeconfigPaths(env);
  const docs = paths.filter((p) => existsSync(p)).map(readKubeconfig);
  const ctx = resolveContext(docs, override);
  if (!ctx) throw new NoKubeContextError(paths, override);
  return ctx;
}
