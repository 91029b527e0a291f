import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import type { ReleaseStatus } from '../adapters/helm';
import type { Deployment, Pod } from '../adapters/kubectl';
import { chartSourceDigest, descriptionFor, desiredDigest } from './desired';
import { markDependenciesBuilt, needsDependencyBuild } from './dependencies';
import { planRelease } from '.';
import { currentPods, deploymentProgress, diagnosePod, render } from './diagnose';

const charts = resolve(__dirname, '../../../../charts');

function chartCopy() {
  const dir = mkdtempSync(join(tmpdir(), 'nx-k8s-chart-'));
  for (const c of ['todo-app', 'frontend', 'backend']) cpSync(join(charts, c), join(dir, c), { recursive: true });
  // As in a fresh clone: no packaged subcharts yet.
  rmSync(join(dir, 'todo-app', 'charts'), { recursive: true, force: true });
  return join(dir, 'todo-app');
}

describe('desired state digest', () => {
  it('follows the chart, its file:// subcharts, values files, set, images, secrets and the tools, and nothing else', () => {
    const chartDir = chartCopy();
    const tools = { helm: 'v3.22.0', plugin: 'p1' };
    const base = { chartDir, valuesFiles: [join(chartDir, 'values-dev.yaml')], set: { a: '1' }, images: { 'frontend.image.tag': 'nx-1' }, secretsDigest: 'd' };
    const d0 = desiredDigest(base, tools);
    expect(desiredDigest(base, tools)).toBe(d0);
    expect(desiredDigest({ ...base, images: { 'frontend.image.tag': 'nx-2' } }, tools)).not.toBe(d0);
    expect(desiredDigest({ ...base, valuesFiles: [join(chartDir, 'values-prod.yaml')] }, tools)).not.toBe(d0);
    expect(desiredDigest({ ...base, secretsDigest: 'e' }, tools)).not.toBe(d0);
    // A literal value is not a list: "1,2" and 1 differ from "1".
    expect(desiredDigest({ ...base, set: { a: '1,2' } }, tools)).not.toBe(d0);
    expect(desiredDigest({ ...base, set: { a: 1 } }, tools)).not.toBe(d0);
    // A new helm or a fixed plugin renders anew.
    expect(desiredDigest(base, { ...tools, helm: 'v3.23.0' })).not.toBe(d0);
    expect(desiredDigest(base, { ...tools, plugin: 'p2' })).not.toBe(d0);
    // Packaged subcharts and tests are build artifacts, not the desired state.
    mkdirSync(join(chartDir, 'charts'), { recursive: true });
    writeFileSync(join(chartDir, 'charts', 'frontend-0.1.0.tgz'), 'x');
    expect(desiredDigest(base, tools)).toBe(d0);
    // The same chart in another clone (another path) is the same desired state.
    const other = chartCopy();
    expect(desiredDigest({ ...base, chartDir: other, valuesFiles: [join(other, 'values-dev.yaml')] }, tools)).toBe(d0);
    // An edit in a subchart is.
    const before = chartSourceDigest(chartDir);
    writeFileSync(join(chartDir, '..', 'backend', 'templates', 'extra.yaml'), '# x\n');
    expect(chartSourceDigest(chartDir)).not.toBe(before);
    expect(descriptionFor('abc')).toBe('nx-k8s desired=abc');
  });
});

describe('packaged subcharts', () => {
  it('are built again when a package no longer matches what was built, not only when a source changed', () => {
    const chartDir = chartCopy();
    expect(needsDependencyBuild(chartDir)).toBe(true);
    mkdirSync(join(chartDir, 'charts'));
    writeFileSync(join(chartDir, 'charts', 'frontend-0.1.0.tgz'), 'built from the sources');
    writeFileSync(join(chartDir, 'charts', 'backend-0.1.0.tgz'), 'built from the sources');
    markDependenciesBuilt(chartDir);
    expect(needsDependencyBuild(chartDir)).toBe(false);
    writeFileSync(join(chartDir, 'charts', 'backend-0.1.0.tgz'), 'an older package');
    expect(needsDependencyBuild(chartDir)).toBe(true);
    markDependenciesBuilt(chartDir);
    writeFileSync(join(chartDir, '..', 'frontend', 'values.yaml'), 'replicaCount: 3\n', { flag: 'a' });
    expect(needsDependencyBuild(chartDir)).toBe(true);
  });
});

describe('planRelease', () => {
  const info = (status: ReleaseStatus, revision = 4) => ({ name: 'r', namespace: 'n', revision, status, description: '', manifest: '' });
  it('installs, upgrades from the last good revision, reinstalls when none is good, leaves an in-sync release alone', () => {
    expect(planRelease(null, [], false)).toEqual({ action: 'install' });
    expect(planRelease(info('deployed'), [], true)).toEqual({ action: 'up to date' });
    expect(
      planRelease(
        info('failed'),
        [
          { revision: 2, status: 'superseded' },
          { revision: 3, status: 'deployed' },
          { revision: 4, status: 'failed' },
        ],
        false,
      ),
    ).toEqual({ action: 'upgrade', lastGood: 3 });
    expect(
      planRelease(
        info('failed', 2),
        [
          { revision: 1, status: 'failed' },
          { revision: 2, status: 'failed' },
        ],
        false,
      ),
    ).toEqual({ action: 'reinstall' });
  });
  it('stops on an interrupted operation', () => {
    expect(planRelease(info('pending-upgrade'), [], false)).toEqual({ action: 'stuck' });
    expect(planRelease(info('pending-install'), [], true)).toEqual({ action: 'stuck' });
  });
});

// Shapes as `kubectl get pods -o json` returns them.
const pod = (status: Pod['status'], name = 'todo-frontend-7d9c-abcde'): Pod => ({
  metadata: { name },
  spec: { containers: [{ name: 'nextjs', image: 'todo-frontend:nx-1' }] },
  status,
});

describe('diagnosePod', () => {
  it('says an image is not in the cluster (ErrImageNeverPull, ImagePullBackOff)', () => {
    for (const reason of ['ErrImageNeverPull', 'ImagePullBackOff', 'ErrImagePull']) {
      const [d] = diagnosePod(
        pod({
          phase: 'Pending',
          containerStatuses: [
            { name: 'nextjs', image: 'todo-frontend:nx-1', restartCount: 0, state: { waiting: { reason, message: 'Back-off pulling image' } } },
          ],
        }),
      );
      expect(d).toMatchObject({ reason, fatal: true });
      expect(d.message).toBe(`image todo-frontend:nx-1 is not in the cluster: was it loaded? (${reason})`);
    }
  });
  it('reports CrashLoopBackOff with the container to take logs from', () => {
    const [d] = diagnosePod(
      pod({
        phase: 'Running',
        containerStatuses: [
          { name: 'nextjs', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } },
        ],
      }),
    );
    expect(d).toMatchObject({ reason: 'CrashLoopBackOff', fatal: true, logsFrom: { pod: 'todo-frontend-7d9c-abcde', container: 'nextjs', previous: true } });
    expect(d.message).toBe('container nextjs keeps crashing (3 restarts, last exit code 1 Error)');
    expect(render(d, 'Error: boom\n')).toBe(
      'pod/todo-frontend-7d9c-abcde: CrashLoopBackOff: container nextjs keeps crashing (3 restarts, last exit code 1 Error)\n    last log lines:\n      Error: boom',
    );
  });
  it('reports a missing Secret key', () => {
    const [d] = diagnosePod(
      pod({
        containerStatuses: [
          {
            name: 'nextjs',
            restartCount: 0,
            state: { waiting: { reason: 'CreateContainerConfigError', message: "couldn't find key DATABASE_URL in Secret default/todo-secrets" } },
          },
        ],
      }),
    );
    expect(d.message).toMatch(/couldn't find key DATABASE_URL in Secret default\/todo-secrets/);
    expect(d.fatal).toBe(true);
    const [transient] = diagnosePod(
      pod({
        containerStatuses: [
          {
            name: 'nextjs',
            restartCount: 0,
            state: { waiting: { reason: 'CreateContainerConfigError', message: 'failed to sync configmap cache: timed out waiting for the condition' } },
          },
        ],
      }),
    );
    expect(transient.fatal).toBe(false);
  });
  it('reports why a pod cannot be scheduled', () => {
    const [d] = diagnosePod(
      pod({
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient memory.' }],
      }),
    );
    expect(d).toMatchObject({ reason: 'Unschedulable', fatal: true, message: 'cannot be scheduled: 0/1 nodes are available: 1 Insufficient memory.' });
  });
  it('reports failing probes from events, fatal once they keep failing', () => {
    const ev = (count: number) => [{ reason: 'Unhealthy', message: 'Readiness probe failed: HTTP probe failed with statuscode: 503', count }];
    const running = pod({ phase: 'Running', containerStatuses: [{ name: 'nextjs', restartCount: 0, ready: false, state: { running: {} } }] });
    expect(diagnosePod(running, ev(2))[0]).toMatchObject({ reason: 'ProbeFailing', fatal: false });
    expect(diagnosePod(running, ev(6))[0]).toMatchObject({
      reason: 'ProbeFailing',
      fatal: true,
      message: 'Readiness probe failed: HTTP probe failed with statuscode: 503 (6 times)',
    });
  });
  it('ignores terminating pods and healthy ones', () => {
    expect(diagnosePod({ ...pod({}), metadata: { name: 'x', deletionTimestamp: 'now' } })).toEqual([]);
    expect(diagnosePod(pod({ phase: 'Running', containerStatuses: [{ name: 'nextjs', restartCount: 0, ready: true, state: { running: {} } }] }))).toEqual([]);
  });
});

describe('currentPods', () => {
  // Shapes as kubectl lists them: a dev Deployment (revision 4, Recreate) upgraded to prod
  // (revision 5, two replicas): the controller scales the old ReplicaSet too, and that pod
  // waits for a claim the upgrade is deleting. It is leaving, and must not fail the rollout.
  const deployment = (observedGeneration: number) => ({
    kind: 'Deployment',
    metadata: { name: 'todo-backend', namespace: 'default', generation: 7, annotations: { 'deployment.kubernetes.io/revision': '5' } },
    spec: { replicas: 2 },
    status: { observedGeneration },
  });
  const replicaSet = (name: string, revision: string) => ({
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: 'default',
      annotations: { 'deployment.kubernetes.io/revision': revision },
      ownerReferences: [{ kind: 'Deployment', name: 'todo-backend' }],
    },
  });
  const owned = (name: string, kind: string, owner: string, labels: Record<string, string> = {}): Pod => ({
    metadata: { name, namespace: 'default', labels, ownerReferences: [{ kind, name: owner }] },
    status: {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'persistentvolumeclaim "todo-backend-data" is being deleted' }],
    },
  });
  const sets = [replicaSet('todo-backend-6d666547f8', '4'), replicaSet('todo-backend-5b7c9d8f6', '5')];
  const pods = [
    owned('todo-backend-6d666547f8-vx2qp', 'ReplicaSet', 'todo-backend-6d666547f8'),
    owned('todo-backend-5b7c9d8f6-k2j4m', 'ReplicaSet', 'todo-backend-5b7c9d8f6'),
  ];
  it("judges a Deployment by its newest ReplicaSet's pods only", () => {
    expect(currentPods([deployment(7)], sets, pods).map((p) => p.metadata.name)).toEqual(['todo-backend-5b7c9d8f6-k2j4m']);
  });
  it('judges no pod of a Deployment whose new spec the controller has not seen yet', () => {
    expect(currentPods([deployment(6)], sets, pods)).toEqual([]);
  });
  it('judges a StatefulSet by the pods on its update revision, DaemonSets and Jobs by all their pods', () => {
    const st = {
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'default', generation: 2 },
      status: { observedGeneration: 2, updateRevision: 'db-2' },
    };
    const ds = { kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'default', generation: 1 }, status: { observedGeneration: 1 } };
    const job = { kind: 'Job', metadata: { name: 'migrate', namespace: 'default', generation: 1 }, status: {} };
    const stPods = [
      owned('db-0', 'StatefulSet', 'db', { 'controller-revision-hash': 'db-2' }),
      owned('db-1', 'StatefulSet', 'db', { 'controller-revision-hash': 'db-1' }),
    ];
    const others = [owned('agent-x', 'DaemonSet', 'agent'), owned('migrate-x', 'Job', 'migrate')];
    expect(currentPods([st, ds, job], [], [...stPods, ...others]).map((p) => p.metadata.name)).toEqual(['db-0', 'agent-x', 'migrate-x']);
  });
});

describe('deploymentProgress', () => {
  const dep = (spec: number, status: Deployment['status'], generation = 2) => ({
    metadata: { name: 'todo-frontend', generation, annotations: { 'deployment.kubernetes.io/revision': '3' } },
    spec: { replicas: spec },
    status,
  });
  const rs = (revision: string, available: number) => ({
    metadata: { annotations: { 'deployment.kubernetes.io/revision': revision }, ownerReferences: [{ kind: 'Deployment', name: 'todo-frontend' }] },
    status: { availableReplicas: available },
  });
  it('is ready when the new spec is observed and the newest ReplicaSet has every replica available', () => {
    expect(deploymentProgress(dep(2, { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }), [rs('3', 2)]).ready).toBe(true);
    expect(deploymentProgress(dep(2, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }), [rs('3', 2)]).ready).toBe(false);
    expect(deploymentProgress(dep(0, { observedGeneration: 2 })).ready).toBe(true);
  });
  it('does not wait for old pods that are terminating', () => {
    const p = deploymentProgress(dep(1, { observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 2 }), [rs('2', 1), rs('3', 1)]);
    expect(p).toEqual({ resource: 'deployment/todo-frontend', ready: true, summary: '1/1 new available, 1/1 updated, 1 old terminating' });
  });
  it('is not fooled by old pods that are still available while the new one starts', () => {
    expect(deploymentProgress(dep(1, { observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 1 }), [rs('2', 1), rs('3', 0)]).ready).toBe(
      false,
    );
  });
});
