import { parseManifest } from '../adapters/helm';
import { Pod, ReplicaSet } from '../adapters/kubectl';
import { daemonSetProgress, jobProgress, statefulSetProgress, workloadProgress } from './diagnose';
import { listQueries, manifestWorkloads, releaseWorkloads, Workload } from './workloads';

const manifest = `---
# Source: shop/templates/api.yaml
apiVersion: apps/v1
kind: Deployment
metadata: { name: shop-api, labels: { component: api } }
---
# Source: shop/charts/db/templates/statefulset.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: shop-db }
---
# Source: shop/templates/agent.yaml
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: shop-agent, namespace: monitoring }
---
# Source: shop/templates/migrate.yaml
apiVersion: batch/v1
kind: Job
metadata: { name: shop-migrate }
---
# Source: shop/templates/svc.yaml
apiVersion: v1
kind: Service
metadata: { name: shop-api }
---
# Source: shop/templates/cron.yaml
apiVersion: batch/v1
kind: CronJob
metadata: { name: shop-report }
`;

const refs = manifestWorkloads(parseManifest(manifest), 'default');
const obj = (kind: string, name: string, namespace = 'default', owner?: string): Workload =>
  ({ kind, metadata: { name, namespace, ownerReferences: owner ? [{ kind: owner.split('/')[0], name: owner.split('/')[1] }] : undefined } }) as Workload;
const rs = (name: string, owner: string, namespace = 'default') => obj('ReplicaSet', name, namespace, `Deployment/${owner}`) as ReplicaSet;
const pod = (name: string, owner: string, namespace = 'default') => obj('Pod', name, namespace, owner) as unknown as Pod;

describe("a release's workloads", () => {
  it("are the Deployments, StatefulSets, DaemonSets and Jobs of the release's manifest, in their own namespace", () => {
    expect(refs).toEqual([
      { kind: 'Deployment', name: 'shop-api', namespace: 'default' },
      { kind: 'StatefulSet', name: 'shop-db', namespace: 'default' },
      { kind: 'DaemonSet', name: 'shop-agent', namespace: 'monitoring' },
      { kind: 'Job', name: 'shop-migrate', namespace: 'default' },
    ]);
  });

  it('are listed with one kubectl call per namespace, the kinds the release has only', () => {
    expect(listQueries(refs, true)).toEqual([
      { namespace: 'default', resources: 'deployments,replicasets,pods,statefulsets,jobs' },
      { namespace: 'monitoring', resources: 'daemonsets,pods' },
    ]);
    expect(listQueries(refs.slice(0, 1), false)).toEqual([{ namespace: 'default', resources: 'deployments,replicasets' }]);
    expect(listQueries([], true)).toEqual([]);
  });

  const items = [
    obj('Deployment', 'shop-api'),
    obj('Deployment', 'other-api'),
    obj('StatefulSet', 'shop-db'),
    obj('DaemonSet', 'shop-agent', 'monitoring'),
    obj('DaemonSet', 'shop-agent'),
    rs('shop-api-1', 'shop-api'),
    rs('other-api-1', 'other-api'),
    pod('shop-api-1-a', 'ReplicaSet/shop-api-1'),
    pod('other-api-1-a', 'ReplicaSet/other-api-1'),
    pod('shop-db-0', 'StatefulSet/shop-db'),
    pod('shop-agent-x', 'DaemonSet/shop-agent', 'monitoring'),
    pod('shop-agent-y', 'DaemonSet/shop-agent'),
    pod('lonely', 'ReplicaSet/nobody'),
  ];

  it('are found by kind, namespace and name, whatever their labels, with their ReplicaSets and Pods by owner', () => {
    const w = releaseWorkloads(items, refs);
    expect(w.workloads.map((x) => `${x.kind}/${x.metadata.namespace}/${x.metadata.name}`)).toEqual([
      'Deployment/default/shop-api',
      'StatefulSet/default/shop-db',
      'DaemonSet/monitoring/shop-agent',
    ]);
    expect(w.replicaSets.map((r) => r.metadata?.name)).toEqual(['shop-api-1']);
    expect(w.pods.map((p) => p.metadata.name).sort()).toEqual(['shop-agent-x', 'shop-api-1-a', 'shop-db-0']);
  });

  it('says which the cluster lacks instead of leaving them out (a deleted Deployment is not "rolled out")', () => {
    expect(releaseWorkloads(items, refs).missing).toEqual([{ kind: 'Job', name: 'shop-migrate', namespace: 'default' }]);
    expect(releaseWorkloads([], refs.slice(0, 1)).missing).toEqual([{ kind: 'Deployment', name: 'shop-api', namespace: 'default' }]);
  });
});

describe('progress of the other workload kinds', () => {
  const sts = (status: object, spec: object = { replicas: 2 }, generation = 3) =>
    ({ kind: 'StatefulSet', metadata: { name: 'db', generation }, spec, status: { observedGeneration: 3, ...status } }) as Workload;

  it('StatefulSet: every replica ready and on the update revision', () => {
    const done = { replicas: 2, readyReplicas: 2, updatedReplicas: 2, currentRevision: 'db-2', updateRevision: 'db-2' };
    expect(workloadProgress(sts(done))).toEqual({ resource: 'statefulset/db', ready: true, summary: '2/2 ready, 2/2 updated' });
    expect(workloadProgress(sts({ ...done, readyReplicas: 1 })).ready).toBe(false);
    expect(workloadProgress(sts({ ...done, updatedReplicas: 1, currentRevision: 'db-1' })).ready).toBe(false);
    expect(workloadProgress(sts(done, { replicas: 2 }, 4)).ready).toBe(false);
  });

  it('StatefulSet: with a partition only the ordinals above it are updated; OnDelete updates nothing by itself', () => {
    const partly = { replicas: 3, readyReplicas: 3, updatedReplicas: 1, currentRevision: 'db-1', updateRevision: 'db-2' };
    expect(statefulSetProgress(sts(partly, { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }) as never).ready).toBe(
      true,
    );
    expect(statefulSetProgress(sts(partly, { replicas: 3 }) as never).ready).toBe(false);
    expect(statefulSetProgress(sts({ ...partly, updatedReplicas: 0 }, { replicas: 3, updateStrategy: { type: 'OnDelete' } }) as never).ready).toBe(true);
  });

  it('DaemonSet: every scheduled node runs an updated, available pod', () => {
    const ds = (status: object) => ({ kind: 'DaemonSet', metadata: { name: 'agent', generation: 1 }, status: { observedGeneration: 1, ...status } }) as never;
    expect(daemonSetProgress(ds({ desiredNumberScheduled: 1, updatedNumberScheduled: 1, numberAvailable: 1 }))).toEqual({
      resource: 'daemonset/agent',
      ready: true,
      summary: '1/1 nodes available, 1/1 updated',
    });
    expect(daemonSetProgress(ds({ desiredNumberScheduled: 1, updatedNumberScheduled: 0, numberAvailable: 1 })).ready).toBe(false);
  });

  it('Job: done when Complete; Failed is final and says why', () => {
    const job = (status: object) => ({ kind: 'Job', metadata: { name: 'migrate' }, status }) as never;
    expect(jobProgress(job({ succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] })).ready).toBe(true);
    expect(jobProgress(job({ active: 1 }))).toEqual({ resource: 'job/migrate', ready: false, summary: '0/1 succeeded', failed: undefined });
    expect(
      jobProgress(
        job({
          failed: 7,
          conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }],
        }),
      ),
    ).toEqual({
      resource: 'job/migrate',
      ready: false,
      summary: '0/1 succeeded, 7 failed',
      failed: 'BackoffLimitExceeded: Job has reached the specified backoff limit',
    });
  });
});
