// The release's workloads as its own manifest names them (helm status carries the manifest),
// looked up in the cluster by kind, namespace and name; ReplicaSets and Pods follow by owner.
// No label convention of the chart is assumed, and a workload the manifest names but the
// cluster lacks is reported as missing, never skipped: "nothing found" must not read as
// "everything rolled out".
import type { DaemonSet, Deployment, Job, Pod, ReplicaSet, StatefulSet } from '../adapters/kubectl';

export type Workload = Deployment | StatefulSet | DaemonSet | Job;
export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job';

/** kubectl's resource name per kind. */
const RESOURCE: Record<WorkloadKind, string> = { Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets', Job: 'jobs' };
const isWorkloadKind = (k: unknown): k is WorkloadKind => typeof k === 'string' && k in RESOURCE;

export interface WorkloadRef {
  kind: WorkloadKind;
  name: string;
  namespace: string;
}

export const refName = (r: { kind: string; name: string }) => `${r.kind.toLowerCase()}/${r.name}`;

/** The workloads among a release's manifest documents; an object without a namespace lives in the release's. */
export function manifestWorkloads(docs: unknown[], namespace: string): WorkloadRef[] {
  const out: WorkloadRef[] = [];
  for (const d of docs) {
    const o = d as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
    if (!o || !isWorkloadKind(o.kind) || typeof o.metadata?.name !== 'string') continue;
    out.push({ kind: o.kind, name: o.metadata.name, namespace: typeof o.metadata.namespace === 'string' ? o.metadata.namespace : namespace });
  }
  return out;
}

/**
 * One kubectl list per namespace the workloads live in: their kinds, the ReplicaSets when
 * there are Deployments (a rollout is judged by the newest one), and the Pods when asked.
 */
export function listQueries(refs: WorkloadRef[], withPods: boolean): Array<{ namespace: string; resources: string }> {
  const byNamespace = new Map<string, Set<string>>();
  for (const r of refs) {
    const kinds = byNamespace.get(r.namespace) ?? new Set<string>();
    kinds.add(RESOURCE[r.kind]);
    if (r.kind === 'Deployment') kinds.add('replicasets');
    if (withPods) kinds.add('pods');
    byNamespace.set(r.namespace, kinds);
  }
  return [...byNamespace].map(([namespace, kinds]) => ({ namespace, resources: [...kinds].join(',') }));
}

export interface ReleaseWorkloads {
  workloads: Workload[];
  /** Named by the manifest, absent from the cluster (deleted by hand, or never created). */
  missing: WorkloadRef[];
  replicaSets: ReplicaSet[];
  pods: Pod[];
}

type Listed = Workload | ReplicaSet | Pod;

const ownedBy = (o: { metadata?: { ownerReferences?: Array<{ kind: string; name: string }> } }, owners: Set<string>) =>
  (o.metadata?.ownerReferences ?? []).some((r) => owners.has(`${r.kind}/${r.name}`));

/** `items`: what listQueries' calls returned, each object with its metadata.namespace. */
export function releaseWorkloads(items: Listed[], refs: WorkloadRef[]): ReleaseWorkloads {
  const key = (kind: string | undefined, namespace: string | undefined, name: string | undefined) => `${kind}/${namespace}/${name}`;
  const found = new Map(items.map((i) => [key(i.kind, i.metadata?.namespace, i.metadata?.name), i]));
  const workloads: Workload[] = [];
  const missing: WorkloadRef[] = [];
  for (const r of refs) {
    const w = found.get(key(r.kind, r.namespace, r.name));
    if (w) workloads.push(w as Workload);
    else missing.push(r);
  }
  const inNamespace = (i: Listed, ns: string) => (i.metadata?.namespace ?? ns) === ns;
  const replicaSets: ReplicaSet[] = [];
  const pods: Pod[] = [];
  for (const ns of new Set(refs.map((r) => r.namespace))) {
    const owners = new Set(workloads.filter((w) => w.metadata.namespace === ns).map((w) => `${w.kind}/${w.metadata.name}`));
    const sets = items.filter((i): i is ReplicaSet => i.kind === 'ReplicaSet' && inNamespace(i, ns) && ownedBy(i, owners));
    for (const rs of sets) owners.add(`ReplicaSet/${rs.metadata?.name}`);
    replicaSets.push(...sets);
    pods.push(...items.filter((i): i is Pod => i.kind === 'Pod' && inNamespace(i, ns) && ownedBy(i, owners)));
  }
  return { workloads, missing, replicaSets, pods };
}
