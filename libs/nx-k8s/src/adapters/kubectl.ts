// kubectl adapter. Every call names its context explicitly, so a `kubectl config
// use-context` in another terminal mid-run cannot send half a deploy elsewhere.
import { Runner } from './run';

export class ClusterUnreachableError extends Error {
  constructor(context: string, detail: string) {
    const reason = detail.trim().split('\n').filter(Boolean).pop() ?? 'no answer';
    super(
      `the cluster of kube context '${context}' does not answer (${reason}). Fix: start your cluster (minikube start, kind create cluster, ...) or switch context with kubectl config use-context`,
    );
  }
}

/** The API server answers, but with a certificate the kubeconfig does not trust: a recreated cluster, an expired cert. */
export class ClusterCertificateError extends Error {
  constructor(context: string, reason: string) {
    super(
      `the cluster of kube context '${context}' answers with a certificate kubectl does not trust (${reason}). Fix: refresh the kubeconfig for this cluster (minikube update-context, kind export kubeconfig, or your cluster's own command)`,
    );
  }
}

// The fields of the Kubernetes objects `kubectl get -o json` returns that the stages read. What
// the API may omit is optional, and the code reading it says what a missing field means.
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ kind: string; name: string }>;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface ContainerStatus {
  name: string;
  image?: string;
  ready?: boolean;
  restartCount: number;
  state?: { waiting?: { reason?: string; message?: string }; running?: object; terminated?: { exitCode: number; reason?: string } };
  lastState?: { terminated?: { exitCode: number; reason?: string } };
}

/** What a container takes from ConfigMaps and Secrets. */
export interface ContainerRefs {
  name: string;
  image?: string;
  env?: Array<{ valueFrom?: { configMapKeyRef?: { name?: string }; secretKeyRef?: { name?: string } } }>;
  envFrom?: Array<{ configMapRef?: { name?: string }; secretRef?: { name?: string } }>;
}

export interface PodSpec {
  containers?: ContainerRefs[];
  initContainers?: ContainerRefs[];
  volumes?: Array<{
    configMap?: { name?: string };
    secret?: { secretName?: string };
    projected?: { sources?: Array<{ configMap?: { name?: string }; secret?: { name?: string } }> };
  }>;
}

export interface Pod {
  kind?: string;
  metadata: ObjectMeta;
  spec?: PodSpec;
  status?: { phase?: string; conditions?: Condition[]; initContainerStatuses?: ContainerStatus[]; containerStatuses?: ContainerStatus[] };
}

export interface Deployment {
  kind?: string;
  metadata: ObjectMeta;
  spec?: { replicas?: number; template?: { spec?: PodSpec } };
  status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number; conditions?: Condition[] };
}

export interface StatefulSet {
  kind?: string;
  metadata: ObjectMeta;
  spec?: { replicas?: number; template?: { spec?: PodSpec }; updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
}

export interface DaemonSet {
  kind?: string;
  metadata: ObjectMeta;
  spec?: { template?: { spec?: PodSpec }; updateStrategy?: { type?: string } };
  status?: { observedGeneration?: number; desiredNumberScheduled?: number; updatedNumberScheduled?: number; numberAvailable?: number };
}

export interface Job {
  kind?: string;
  metadata: ObjectMeta;
  spec?: { completions?: number; template?: { spec?: PodSpec } };
  status?: { succeeded?: number; failed?: number; active?: number; conditions?: Condition[] };
}

export interface ReplicaSet {
  kind?: string;
  metadata?: Partial<ObjectMeta>;
  status?: { availableReplicas?: number };
}

export interface Service {
  kind?: string;
  metadata: ObjectMeta;
  spec?: { type?: string; selector?: Record<string, string>; ports?: Array<{ name?: string; port: number; protocol?: string }> };
}

/** discovery.k8s.io/v1: the Service's endpoints, one slice or several per Service. */
export interface EndpointSlice {
  kind?: string;
  metadata: ObjectMeta;
  endpoints?: Array<{ conditions?: { ready?: boolean | null }; targetRef?: { kind?: string; name?: string } }>;
}

/** A Warning event about an object (`kubectl get events`). */
export interface Event {
  reason?: string;
  message?: string;
  count?: number;
}

export interface List<T> {
  items: T[];
}

export type KubectlFailure = { kind: 'certificate'; reason: string } | { kind: 'unreachable' } | { kind: 'other' };

/** What a failed kubectl's stderr says about the cluster. A TLS failure also reads "Unable to connect", so it is asked first. */
export function classifyFailure(stderr: string): KubectlFailure {
  // The last line is kubectl's summary; the lines before it are client-go log lines.
  const line = stderr
    .split('\n')
    .reverse()
    .find((l) => /tls: failed to verify|x509: /.test(l));
  if (line) return { kind: 'certificate', reason: /(?:tls: failed to verify|x509: ).*/.exec(line)![0].trim() };
  if (/refused|no such host|i\/o timeout|Unable to connect|dial tcp|ServiceUnavailable/i.test(stderr)) return { kind: 'unreachable' };
  return { kind: 'other' };
}

/** The one-line error for a failed call, or null when the failure is about the request, not the cluster. */
export function clusterError(context: string, stderr: string): Error | null {
  const f = classifyFailure(stderr);
  if (f.kind === 'certificate') return new ClusterCertificateError(context, f.reason);
  if (f.kind === 'unreachable') return new ClusterUnreachableError(context, stderr);
  return null;
}

export class Kubectl {
  constructor(
    private readonly run: Runner,
    readonly context: string,
  ) {}

  argv(args: string[]): string[] {
    return ['--context', this.context, ...args];
  }

  /** Time limit for a question to the API server, and what a missed one means. */
  private get quick() {
    return {
      timeout: 30_000,
      stalled: `is the API server of kube context '${this.context}' overloaded or half down? Fix: check it with kubectl --context ${this.context} get --raw /readyz, restart the cluster if it does not answer`,
    };
  }

  async json<T>(args: string[]): Promise<T> {
    const r = await this.run('kubectl', this.argv([...args, '-o', 'json']), this.quick);
    if (r.exitCode !== 0) {
      throw clusterError(this.context, r.stderr) ?? new Error(`kubectl ${args.join(' ')}: ${r.stderr.trim().split('\n').pop()}`);
    }
    return JSON.parse(r.stdout) as T;
  }

  /** `kubectl get <resources> -n <namespace>`'s items (kubectl gives each its kind). */
  async list(namespace: string, resources: string): Promise<Array<Deployment | StatefulSet | DaemonSet | Job | ReplicaSet | Pod>> {
    return (await this.json<List<Deployment | StatefulSet | DaemonSet | Job | ReplicaSet | Pod>>(['get', resources, '-n', namespace])).items;
  }

  /** The UID of namespace kube-system: it changes when the cluster is deleted and recreated. */
  async clusterId(): Promise<string> {
    const ns = await this.json<{ metadata: { uid: string } }>(['get', 'namespace', 'kube-system']);
    return ns.metadata.uid;
  }

  /**
   * The API server's Kubernetes version (`v1.34.4`), or null when it does not answer within
   * `timeoutMs`: asked by validate, which only renders and must not wait for a cluster.
   */
  async serverVersion(timeoutMs = 5_000): Promise<string | null> {
    const seconds = Math.max(1, Math.floor(timeoutMs / 1000) - 1);
    const r = await this.run('kubectl', this.argv(['version', '-o', 'json', `--request-timeout=${seconds}s`]), { timeout: timeoutMs }).catch(() => null);
    // kubectl prints its own version and exits 1 when the server does not answer.
    return r ? parseServerVersion(r.stdout) : null;
  }

  /** KEP-1755: a cluster that wants images pushed to a registry says so in this ConfigMap. */
  async localRegistryHosting(): Promise<string | null> {
    const r = await this.run(
      'kubectl',
      this.argv(['get', 'configmap', 'local-registry-hosting', '-n', 'kube-public', '-o', 'jsonpath={.data.localRegistryHosting\\.v1}']),
      this.quick,
    );
    if (r.exitCode !== 0) {
      if (/NotFound|not found/i.test(r.stderr)) return null;
      throw clusterError(this.context, r.stderr) ?? new ClusterUnreachableError(this.context, r.stderr);
    }
    return r.stdout.trim() || null;
  }

  async logs(namespace: string, pod: string, container: string, previous: boolean, tail = 20): Promise<string> {
    const args = ['logs', pod, '-n', namespace, '-c', container, `--tail=${tail}`];
    if (previous) args.push('--previous');
    const r = await this.run('kubectl', this.argv(args), { ...this.quick, timeout: 15_000 });
    return r.exitCode === 0 ? r.stdout : '';
  }

  /**
   * Kind/name -> key names of the ConfigMaps and Secrets of a namespace. The template prints
   * names only, so no value (of a Secret above all) ever leaves kubectl.
   */
  async configKeys(namespace: string): Promise<Map<string, string[]>> {
    const template =
      '{{range .items}}{{.kind}}/{{.metadata.name}}{{range $k, $v := .data}} {{$k}}{{end}}{{range $k, $v := .binaryData}} {{$k}}{{end}}{{"\\n"}}{{end}}';
    const r = await this.run('kubectl', this.argv(['get', 'configmaps,secrets', '-n', namespace, '-o', `go-template=${template}`]), this.quick);
    if (r.exitCode !== 0)
      throw clusterError(this.context, r.stderr) ?? new Error(`kubectl get configmaps,secrets -n ${namespace}: ${r.stderr.trim().split('\n').pop()}`);
    return parseConfigKeys(r.stdout);
  }

  async warningEvents(namespace: string, name: string): Promise<Event[]> {
    const list = await this.json<List<Event>>(['get', 'events', '-n', namespace, '--field-selector', `involvedObject.name=${name},type=Warning`]);
    return list.items;
  }

  /** argv for `kubectl port-forward`, started and supervised by the forward stage. */
  portForwardArgv(namespace: string, target: string, localPort: number, remotePort: number): string[] {
    return ['kubectl', ...this.argv(['port-forward', '-n', namespace, '--address', '127.0.0.1', target, `${localPort}:${remotePort}`])];
  }
}

/** `kubectl version -o json` -> serverVersion.gitVersion, or null without one (no server answered). */
export function parseServerVersion(stdout: string): string | null {
  try {
    const v = (JSON.parse(stdout) as { serverVersion?: { gitVersion?: unknown } }).serverVersion?.gitVersion;
    return typeof v === 'string' && v ? v : null;
  } catch {
    return null;
  }
}

/** "Forwarding from 127.0.0.1:3000 -> 3000" -> 3000 */
export function parseForwardingLine(line: string): number | null {
  const m = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(line);
  return m ? Number(m[1]) : null;
}

/** `Kind/name key key` lines (Kubectl.configKeys) -> kind/name -> sorted keys. */
export function parseConfigKeys(stdout: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const [name, ...keys] = line.trim().split(/\s+/);
    if (name) out.set(name, keys.sort());
  }
  return out;
}
