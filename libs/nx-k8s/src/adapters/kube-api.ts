// The Kubernetes API read in-process, for the hashers. A kubectl process costs 0.1 s to start
// here, 0.3-0.5 s when several start at once on two cores, and a no-op deploy asks several
// questions; a GET over one kept-alive TLS connection costs milliseconds. Only reads, and only
// what kubectl reads the same way: the callers fall back to kubectl and helm where this has no
// access (cluster/kubeconfig.ts apiAccess), and the executors always use them.
import { logger } from '@nx/devkit';
import { Agent, request } from 'https';
import { ApiAccess } from '../cluster/kubeconfig';
import { parseStoredRelease, ReleaseInfo } from './helm';
import { DaemonSet, Deployment, Job, List, Pod, ReplicaSet, StatefulSet } from './kubectl';

export const API_TIMEOUT_MS = 10_000;

type Listed = Deployment | StatefulSet | DaemonSet | Job | ReplicaSet | Pod;

export class KubeApiError extends Error {
  constructor(
    readonly path: string,
    readonly status: number | null,
    detail: string,
  ) {
    super(`GET ${path}: ${detail}`);
  }
}

/** Where each resource kubectl names is listed in a namespace. */
const LISTS: Record<string, string> = {
  deployments: '/apis/apps/v1/namespaces/{ns}/deployments',
  replicasets: '/apis/apps/v1/namespaces/{ns}/replicasets',
  statefulsets: '/apis/apps/v1/namespaces/{ns}/statefulsets',
  daemonsets: '/apis/apps/v1/namespaces/{ns}/daemonsets',
  jobs: '/apis/batch/v1/namespaces/{ns}/jobs',
  pods: '/api/v1/namespaces/{ns}/pods',
};
/** A list's items carry no kind (kubectl adds it): the kind of each resource. */
const KINDS: Record<string, string> = {
  deployments: 'Deployment',
  replicasets: 'ReplicaSet',
  statefulsets: 'StatefulSet',
  daemonsets: 'DaemonSet',
  jobs: 'Job',
  pods: 'Pod',
};

export class KubeApi {
  private readonly agent: Agent;

  constructor(private readonly access: ApiAccess) {
    this.agent = new Agent({
      keepAlive: true,
      ca: access.ca,
      cert: access.cert,
      key: access.key,
      rejectUnauthorized: !access.insecure,
      servername: access.servername,
    });
  }

  get<T>(path: string, timeoutMs = API_TIMEOUT_MS): Promise<T> {
    const url = new URL(path, this.access.server.replace(/\/?$/, '/'));
    // As run() logs each command: what a verbose run asked the cluster.
    logger.verbose(`nx-k8s: GET ${url.href}`);
    return new Promise<T>((resolve, reject) => {
      const req = request(
        url,
        {
          agent: this.agent,
          headers: { Accept: 'application/json', ...(this.access.token ? { Authorization: `Bearer ${this.access.token}` } : {}) },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) return reject(new KubeApiError(path, res.statusCode ?? null, `${res.statusCode} ${body.slice(0, 200)}`));
            try {
              resolve(JSON.parse(body) as T);
            } catch (e) {
              reject(new KubeApiError(path, res.statusCode, `not JSON (${(e as Error).message})`));
            }
          });
          res.on('error', (e) => reject(new KubeApiError(path, null, e.message)));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
      req.on('error', (e) => reject(new KubeApiError(path, null, e.message)));
      req.end();
    });
  }

  /** The UID of namespace kube-system, as Kubectl.clusterId reads it. */
  async clusterId(): Promise<string> {
    return (await this.get<{ metadata: { uid: string } }>('/api/v1/namespaces/kube-system')).metadata.uid;
  }

  /** The API server's Kubernetes version; validate must not wait long for it. */
  async serverVersion(timeoutMs = 5_000): Promise<string | null> {
    const v = (await this.get<{ gitVersion?: unknown }>('/version', timeoutMs)).gitVersion;
    return typeof v === 'string' && v ? v : null;
  }

  /** KEP-1755's ConfigMap, as Kubectl.localRegistryHosting reads it. */
  async localRegistryHosting(): Promise<string | null> {
    try {
      const cm = await this.get<{ data?: Record<string, string> }>('/api/v1/namespaces/kube-public/configmaps/local-registry-hosting');
      return cm.data?.['localRegistryHosting.v1']?.trim() || null;
    } catch (e) {
      if (e instanceof KubeApiError && e.status === 404) return null;
      throw e;
    }
  }

  /** What `kubectl get <resources> -n <namespace> -o json` lists, each item with its kind. */
  async list(namespace: string, resources: string): Promise<Listed[]> {
    const lists = await Promise.all(
      resources.split(',').map(async (r) => {
        const path = LISTS[r];
        if (!path) throw new KubeApiError(r, null, `no API path known for resource ${r}`);
        const l = await this.get<List<Listed>>(path.replace('{ns}', encodeURIComponent(namespace)));
        return l.items.map((i) => ({ ...i, kind: KINDS[r] }));
      }),
    );
    return lists.flat();
  }

  /**
   * The newest revision of every Helm release in a namespace, by name, read from helm's default
   * storage (Secrets labelled owner=helm) as `helm status` reads it; per namespace, as a user
   * allowed only there can read it. Superseded revisions are never the newest: not fetched.
   */
  async helmReleases(namespace: string): Promise<Map<string, ReleaseInfo>> {
    const list = await this.get<{ items: Array<{ data?: { release?: string } }> }>(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets?labelSelector=${encodeURIComponent('owner=helm,status!=superseded')}`,
    );
    const newest = new Map<string, ReleaseInfo>();
    for (const s of list.items) {
      if (!s.data?.release) continue;
      const r = parseStoredRelease(s.data.release);
      if ((newest.get(r.name)?.revision ?? -1) < r.revision) newest.set(r.name, r);
    }
    return newest;
  }

  close(): void {
    this.agent.destroy();
  }
}
