// The forwards a release needs, read from its manifest, so that no chart has to list them:
// every Service kubectl can forward, each of its TCP ports, checked through the readiness probe
// the release's pods declare for the port the Service sends to. Pure.
import type { ForwardSpec } from './supervisor';

// Parsed YAML of any chart: every field is checked where it is read.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- user YAML has no static shape; isObj and list check each level
type Obj = Record<string, any>;

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Pod']);

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

interface PodTemplate {
  namespace: string;
  labels: Obj;
  containers: Obj[];
}

function podTemplates(docs: Obj[], namespace: string): PodTemplate[] {
  return docs
    .filter((d) => WORKLOADS.has(d.kind))
    .map((d) => ({ namespace: d.metadata?.namespace ?? namespace, template: d.kind === 'Pod' ? d : d.spec?.template }))
    .filter((w) => isObj(w.template))
    .map((w) => ({
      namespace: w.namespace,
      labels: isObj(w.template.metadata?.labels) ? w.template.metadata.labels : {},
      containers: list(w.template.spec?.containers),
    }));
}

/** A port as a number: numbers as they are, names through the given containers' ports. */
function portNumber(port: unknown, containers: Obj[]): number | null {
  if (typeof port === 'number') return port;
  const named = containers.flatMap((c) => list(c.ports)).find((p) => p.name === port);
  return typeof named?.containerPort === 'number' ? named.containerPort : null;
}

/** This pod's readiness path for container port `port`, or null when its readiness there is not a plain HTTP GET. */
function readinessPath(pod: PodTemplate, targetPort: unknown): string | null {
  // A named targetPort is looked up across the pod's containers, as Kubernetes does for endpoints.
  const port = portNumber(targetPort, pod.containers);
  if (port === null) return null;
  for (const c of pod.containers) {
    const get = c.readinessProbe?.httpGet;
    // A probe's port name refers to its own container's ports; HTTPS is not what the HTTP check speaks.
    if (isObj(get) && portNumber(get.port, [c]) === port)
      return get.scheme === 'HTTPS' ? null : typeof get.path === 'string' && get.path !== '' ? get.path : '/';
  }
  return null;
}

/** The health path every pod behind the Service agrees on (kubectl picks any one of them); else null: a TCP check. */
function healthPath(pods: PodTemplate[], targetPort: unknown): string | null {
  const paths = new Set(pods.map((p) => readinessPath(p, targetPort)));
  const [only] = [...paths];
  return paths.size === 1 ? only : null;
}

/**
 * The release's forwards, ordered by Service name, then port. The local port wanted is the
 * Service port. Left out: ExternalName Services and Services without a selector (kubectl
 * port-forward svc/ needs a pod to pick) and non-TCP ports (kubectl forwards TCP only).
 */
export function discoverForwards(documents: unknown[], namespace: string): ForwardSpec[] {
  const docs = documents.filter(isObj);
  const pods = podTemplates(docs, namespace);
  const forwards: ForwardSpec[] = [];
  for (const svc of docs.filter((d) => d.kind === 'Service' && typeof d.metadata?.name === 'string')) {
    const selector = svc.spec?.selector;
    if (svc.spec?.type === 'ExternalName' || !isObj(selector) || Object.keys(selector).length === 0) continue;
    const ns: string = svc.metadata.namespace ?? namespace;
    const selected = pods.filter((p) => p.namespace === ns && Object.entries(selector).every(([k, v]) => p.labels[k] === v));
    for (const port of list(svc.spec.ports)) {
      if ((port.protocol ?? 'TCP') !== 'TCP' || typeof port.port !== 'number') continue;
      const path = healthPath(selected, port.targetPort ?? port.port);
      forwards.push({
        service: svc.metadata.name,
        namespace: ns,
        remotePort: port.port,
        localPort: port.port,
        healthPath: path,
        ...(path === null && speaksHttp(port) ? { http: true } : {}),
      });
    }
  }
  return forwards.sort((a, b) => (a.service === b.service ? a.remotePort - b.remotePort : a.service < b.service ? -1 : 1));
}

/** Kubernetes' appProtocol, or the port-naming convention service meshes read (`http`, `http-web`). */
const speaksHttp = (port: { name?: unknown; appProtocol?: unknown }) =>
  port.appProtocol === 'http' || port.appProtocol === 'kubernetes.io/h2c' || (typeof port.name === 'string' && /^http(-|$)/.test(port.name));

export interface ReleaseRef {
  release: string;
  namespace: string;
  /** Kube context the release was looked up in. */
  context: string;
  /** The task's project and target, e.g. todo-app and port-forward. */
  project: string;
  target: string;
}

/** The forwards of a release's manifest (null: helm knows no such release), or the one line saying why there are none. */
export function releaseForwards(manifest: unknown[] | null, r: ReleaseRef): ForwardSpec[] {
  const where = `${r.project}:${r.target}`;
  if (manifest === null) {
    throw new Error(
      `release ${r.release} is not installed in namespace ${r.namespace} (kube context ${r.context}; helm get manifest: release: not found), so there is nothing to forward. ` +
        `Fix: deploy it (nx run ${r.project}:helm-install), or set options release and namespace of ${where} to an installed release (helm list -A)`,
    );
  }
  const forwards = discoverForwards(manifest, r.namespace);
  if (forwards.length === 0) {
    throw new Error(
      `release ${r.release} in namespace ${r.namespace} has no Service with a TCP port that kubectl can forward (ExternalName Services and Services without a selector cannot be). ` +
        `Fix: give option forwards of ${where} ([{ "service": "<name>", "port": <port>, "healthPath": "/" }])`,
    );
  }
  return forwards;
}

/** One line saying what was discovered and how each forward's readiness is checked. */
export function describeDiscovered(forwards: ForwardSpec[], release: string): string {
  const each = forwards.map((f) => `svc/${f.service}:${f.remotePort} (${f.healthPath === null ? 'TCP' : `readiness ${f.healthPath}`})`);
  return `forwards of release ${release} (no option forwards): ${each.join(', ')}`;
}
