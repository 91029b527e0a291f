import { Deployment, Pod, ReplicaSet } from '../adapters/kubectl';
import { releaseWorkloads } from './workloads';

const owned = (release: string, namespace = 'default') => ({ 'meta.helm.sh/release-name': release, 'meta.helm.sh/release-namespace': namespace });
const deployment = (name: string, annotations?: Record<string, string>): Deployment => ({
  kind: 'Deployment',
  metadata: { name, annotations, labels: { component: name } },
});
const rs = (name: string, owner: string): ReplicaSet => ({ kind: 'ReplicaSet', metadata: { name, ownerReferences: [{ kind: 'Deployment', name: owner }] } });
const pod = (name: string, owner: string): Pod => ({ kind: 'Pod', metadata: { name, ownerReferences: [{ kind: 'ReplicaSet', name: owner }] } });

describe("a release's workloads", () => {
  const items = [
    deployment('shop-api', owned('shop')),
    deployment('other-api', owned('other')),
    deployment('hand-made'),
    deployment('shop-elsewhere', owned('shop', 'staging')),
    rs('shop-api-1', 'shop-api'),
    rs('other-api-1', 'other-api'),
    pod('shop-api-1-a', 'shop-api-1'),
    pod('other-api-1-a', 'other-api-1'),
    pod('lonely', 'nobody'),
  ];

  it('are the Deployments helm marked as the release in this namespace, with their ReplicaSets and Pods, whatever their labels', () => {
    const w = releaseWorkloads(items, 'shop', 'default');
    expect(w.deployments.map((d) => d.metadata.name)).toEqual(['shop-api']);
    expect(w.replicaSets.map((r) => r.metadata?.name)).toEqual(['shop-api-1']);
    expect(w.pods.map((p) => p.metadata.name)).toEqual(['shop-api-1-a']);
  });

  it('are none for a release that owns nothing there', () => {
    expect(releaseWorkloads(items, 'absent', 'default')).toEqual({ deployments: [], replicaSets: [], pods: [] });
  });
});
