// The release's own Deployments, their ReplicaSets and Pods, out of everything in the
// namespace: helm marks each object it deploys with its release (the meta.helm.sh ownership
// annotations, helm 3.2+), and Kubernetes links ReplicaSets and Pods to their owner. No label
// convention of the chart is assumed.
import { Deployment, Pod, ReplicaSet } from '../adapters/kubectl';

export interface ReleaseWorkloads {
  deployments: Deployment[];
  replicaSets: ReplicaSet[];
  pods: Pod[];
}

/** The kinds to list in the release's namespace (one kubectl call). */
export const WORKLOAD_KINDS = 'deployments,replicasets,pods';

const ownedBy = (o: { metadata?: { ownerReferences?: Array<{ kind: string; name: string }> } }, kind: string, names: Set<string>) =>
  (o.metadata?.ownerReferences ?? []).some((r) => r.kind === kind && names.has(r.name));

export function releaseWorkloads(items: Array<Deployment | ReplicaSet | Pod>, release: string, namespace: string): ReleaseWorkloads {
  const deployments = items.filter(
    (i): i is Deployment =>
      i.kind === 'Deployment' &&
      i.metadata?.annotations?.['meta.helm.sh/release-name'] === release &&
      (i.metadata?.annotations?.['meta.helm.sh/release-namespace'] ?? namespace) === namespace,
  );
  const replicaSets = items.filter(
    (i): i is ReplicaSet => i.kind === 'ReplicaSet' && ownedBy(i, 'Deployment', new Set(deployments.map((d) => d.metadata.name))),
  );
  const rsNames = new Set(replicaSets.map((r) => r.metadata?.name ?? ''));
  const pods = items.filter((i): i is Pod => i.kind === 'Pod' && ownedBy(i, 'ReplicaSet', rsNames));
  return { deployments, replicaSets, pods };
}
