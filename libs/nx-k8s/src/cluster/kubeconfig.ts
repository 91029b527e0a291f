// Reads the current kube context the way kubectl does (KUBECONFIG, a colon-separated list
// where the first file to set a value wins, else ~/.kube/config), without running kubectl:
// cluster detection runs on every hash and must be cheap.
import { existsSync, readFileSync } from 'fs';
import { homedir } from 'os';
import { delimiter, dirname, isAbsolute, join } from 'path';
import { parse } from 'yaml';

export interface KubeContext {
  name: string;
  cluster: string;
  server: string;
  namespace?: string;
  /** Names of extensions on the cluster and the context (minikube marks its own). */
  extensions: string[];
  providers: string[];
  /** The cluster's nx-k8s.io/containerd extension, when it has one: its socket, or why it names none. */
  containerd?: { address: string } | { invalid: ContainerdExtensionError };
}

/** A kubeconfig file as read, with its path so that an unusable field can be named with its file. */
export interface KubeconfigFile {
  path: string;
  /** The parsed YAML, of any shape: a hand-edited file may hold anything. */
  doc: unknown;
}

/** The fields of a kubeconfig read here, as kubectl's schema has them; extension lists are checked where read. */
interface Kubeconfig {
  'current-context'?: string;
  contexts?: Array<{ name: string; context?: { cluster?: string; namespace?: string; extensions?: unknown } }>;
  clusters?: Array<{ name: string; cluster?: { server?: string; extensions?: unknown } }>;
}

/**
 * Cluster extension meaning "images reach this cluster by an import into this containerd socket":
 * `extensions: [{name: nx-k8s.io/containerd, extension: {address: <socket>}}]`. Any cluster's
 * kubeconfig can carry it, so no cluster has to be recognised by its context name.
 */
export const CONTAINERD_EXTENSION = 'nx-k8s.io/containerd';

export function kubeconfigPaths(env: NodeJS.ProcessEnv): string[] {
  if (env.KUBECONFIG) return env.KUBECONFIG.split(delimiter).filter(Boolean);
  return [join(env.HOME || homedir(), '.kube', 'config')];
}

export function resolveContext(files: KubeconfigFile[], override?: string): KubeContext | null {
  const first = <T>(pick: (d: Kubeconfig | null | undefined) => T | undefined): { value: T; path: string } | undefined => {
    for (const f of files) {
      const v = pick(f.doc as Kubeconfig | null | undefined);
      if (v !== undefined && v !== null && v !== '') return { value: v, path: f.path };
    }
    return undefined;
  };
  const name = override || first<string>((d) => d?.['current-context'])?.value;
  if (!name) return null;
  const ctx = first((d) => d?.contexts?.find((c) => c.name === name));
  if (!ctx) return null;
  const clusterName = ctx.value.context?.cluster as string;
  const cluster = first((d) => d?.clusters?.find((c) => c.name === clusterName));
  const clusterExts = extensionList(cluster?.value.cluster?.extensions, cluster?.path, `extensions of cluster '${clusterName}'`);
  const exts = [...clusterExts, ...extensionList(ctx.value.context?.extensions, ctx.path, `extensions of context '${name}'`)];
  return {
    name,
    cluster: clusterName,
    server: cluster?.value.cluster?.server ?? '',
    namespace: ctx.value.context?.namespace,
    extensions: exts.map((e) => e.name),
    providers: exts.map((e) => e.extension?.provider).filter((p): p is string => typeof p === 'string' && !!p),
    containerd: cluster && containerdExtension(clusterExts, cluster.path, clusterName),
  };
}

interface NamedExtension {
  name: string;
  extension?: { [k: string]: unknown };
}

/** kubectl reads extensions as a list of {name, extension}; anything else fails kubectl too, so say so here. */
function extensionList(value: unknown, path: string | undefined, where: string): NamedExtension[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw new KubeconfigFieldError(
      `${path}: ${where} is not a list. Fix: write it as a list of entries (- name: <name>, extension: {...}), as kubectl expects`,
    );
  return value.filter((e): e is NamedExtension => typeof e?.name === 'string');
}

function containerdExtension(exts: NamedExtension[], path: string, cluster: string): KubeContext['containerd'] {
  const e = exts.find((x) => x.name === CONTAINERD_EXTENSION);
  if (!e) return undefined;
  const address = typeof e.extension === 'object' && e.extension !== null ? e.extension.address : undefined;
  // A relative path would be resolved against each task's working directory, not the kubeconfig's.
  if (typeof address === 'string' && isAbsolute(address)) return { address };
  return { invalid: new ContainerdExtensionError(path, cluster, address) };
}

/** A kubeconfig field the plugin cannot use, named with its file. */
export class KubeconfigFieldError extends Error {}

export class ContainerdExtensionError extends KubeconfigFieldError {
  constructor(path: string, cluster: string, address: unknown) {
    const got = address === undefined ? 'nothing' : JSON.stringify(address).slice(0, 80);
    super(
      `${path}: extension ${CONTAINERD_EXTENSION} of cluster '${cluster}' has ${got} in field extension.address, not the absolute path of a containerd socket. Fix: set extension.address to the socket images are imported into (e.g. /run/containerd/containerd.sock), or remove the extension`,
    );
  }
}

export class NoKubeContextError extends Error {
  constructor(paths: string[], wanted?: string) {
    super(
      wanted
        ? `kube context '${wanted}' is not in ${paths.join(', ')}. Fix: check the context option, or list contexts with kubectl config get-contexts`
        : `no current kube context in ${paths.join(', ') || '(no kubeconfig)'}. Fix: start a cluster (minikube start, kind create cluster, ...) and set KUBECONFIG, or pass the context option`,
    );
  }
}

export class KubeconfigInvalidError extends Error {
  constructor(path: string, parserMessage: string) {
    super(
      `${path} is not valid YAML (${parserMessage.trim().split('\n')[0].replace(/:$/, '')}). Fix: correct the kubeconfig, or point KUBECONFIG at a valid one (kubectl config view shows what kubectl reads)`,
    );
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
  const files = paths.filter((p) => existsSync(p)).map((path) => ({ path, doc: readKubeconfig(path) }));
  const ctx = resolveContext(files, override);
  if (!ctx) throw new NoKubeContextError(paths, override);
  return ctx;
}

/** How to reach a context's API server without kubectl, when its kubeconfig says so plainly. */
export interface ApiAccess {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  insecure: boolean;
  servername?: string;
}

interface UserFields {
  'client-certificate-data'?: string;
  'client-key-data'?: string;
  'client-certificate'?: string;
  'client-key'?: string;
  token?: string;
  tokenFile?: string;
  [other: string]: unknown;
}

const SUPPORTED_USER_FIELDS = new Set(['client-certificate-data', 'client-key-data', 'client-certificate', 'client-key', 'token', 'tokenFile']);

/**
 * The context's server and credentials, or null for anything kubectl does that this does not
 * (exec and auth-provider plugins, basic auth, impersonation, a proxy): the caller runs kubectl then.
 */
export function apiAccess(env: NodeJS.ProcessEnv, contextName: string): ApiAccess | null {
  const files = kubeconfigPaths(env)
    .filter((p) => existsSync(p))
    .map((path) => ({ path, doc: readKubeconfig(path) as Kubeconfig & { users?: Array<{ name: string; user?: UserFields }> } }));
  const find = <T>(pick: (f: (typeof files)[number]) => T | undefined) => {
    for (const f of files) {
      const v = pick(f);
      if (v !== undefined) return { value: v, dir: dirname(f.path) };
    }
    return undefined;
  };
  const ctx = find((f) => f.doc?.contexts?.find((c) => c.name === contextName)?.context as { cluster?: string; user?: string } | undefined);
  const cluster = find((f) => f.doc?.clusters?.find((c) => c.name === ctx?.value.cluster)?.cluster as Record<string, unknown> | undefined);
  const user = find((f) => f.doc?.users?.find((u) => u.name === ctx?.value.user)?.user);
  if (!ctx || !cluster || typeof cluster.value.server !== 'string' || !cluster.value.server.startsWith('https://')) return null;
  if (cluster.value['proxy-url'] || (proxied(env) && !isLoopback(cluster.value.server))) return null;
  const u = user?.value ?? {};
  if (Object.keys(u).some((k) => !SUPPORTED_USER_FIELDS.has(k))) return null;
  const file = (path: unknown, dir: string) => (typeof path === 'string' && path ? readFileSync(isAbsolute(path) ? path : join(dir, path)) : undefined);
  const data = (v: unknown) => (typeof v === 'string' && v ? Buffer.from(v, 'base64') : undefined);
  const c = cluster.value;
  return {
    server: c.server as string,
    ca: data(c['certificate-authority-data']) ?? file(c['certificate-authority'], cluster.dir),
    cert: data(u['client-certificate-data']) ?? file(u['client-certificate'], user?.dir ?? ''),
    key: data(u['client-key-data']) ?? file(u['client-key'], user?.dir ?? ''),
    token:
      u.token ??
      file(u.tokenFile, user?.dir ?? '')
        ?.toString()
        .trim(),
    insecure: c['insecure-skip-tls-verify'] === true,
    servername: typeof c['tls-server-name'] === 'string' ? c['tls-server-name'] : undefined,
  };
}

const proxied = (env: NodeJS.ProcessEnv) => !!(env.HTTPS_PROXY || env.https_proxy);
// Go's proxy rules (kubectl's) never proxy loopback.
const isLoopback = (server: string) => /^https:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/.test(server);
