import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { chartSourceDigest, descriptionFor, desiredDigest } from './desired';
import { deploymentProgress, diagnosePod, render } from './diagnose';

const charts = resolve(__dirname, '../../../../charts');

function chartCopy() {
  const dir = mkdtempSync(join(tmpdir(), 'nx-k8s-chart-'));
  for (const c of ['todo-app', 'frontend', 'backend']) cpSync(join(charts, c), join(dir, c), { recursive: true });
  // As in a fresh clone: no packaged subcharts yet.
  rmSync(join(dir, 'todo-app', 'charts'), { recursive: true, force: true });
  return join(dir, 'todo-app');
}

describe('desired state digest', () => {
  it('follows the chart, its file:// subcharts, values files and --set, and nothing else', () => {
    const chartDir = chartCopy();
    const base = { chartDir, valuesFiles: [join(chartDir, 'values-dev.yaml')], set: {}, setString: { 'frontend.image.tag': 'nx-1' }, secretsDigest: 'd' };
    const d0 = desiredDigest(base);
    expect(desiredDigest(base)).toBe(d0);
    expect(desiredDigest({ ...base, setString: { 'frontend.image.tag': 'nx-2' } })).not.toBe(d0);
    expect(desiredDigest({ ...base, valuesFiles: [join(chartDir, 'values-prod.yaml')] })).not.toBe(d0);
    expect(desiredDigest({ ...base, secretsDigest: 'e' })).not.toBe(d0);
    // Packaged subcharts and tests are build artifacts, not the desired state.
    mkdirSync(join(chartDir, 'charts'), { recursive: true });
    writeFileSync(join(chartDir, 'charts', 'frontend-0.1.0.tgz'), 'x');
    expect(desiredDigest(base)).toBe(d0);
    // An edit in a subchart is.
    const before = chartSourceDigest(chartDir);
    writeFileSync(join(chartDir, '..', 'backend', 'templates', 'extra.yaml'), '# x\n');
    expect(chartSourceDigest(chartDir)).not.toBe(before);
    expect(descriptionFor('abc')).toBe('nx-k8s desired=abc');
  });
});

// Shapes as `kubectl get pods -o json` returns them.
const pod = (status: any, name = 'todo-frontend-7d9c-abcde') => ({
  metadata: { name },
  spec: { containers: [{ name: 'nextjs', image: 'todo-frontend:nx-1' }] },
  status,
});

describe('diagnosePod', () => {
  it('says an image is not in the cluster (ErrImageNeverPull, ImagePullBackOff)', () => {
    for (const reason of ['ErrImageNeverPull', 'ImagePullBackOff', 'ErrImagePull']) {
      const [d] = diagnosePod(pod({ phase: 'Pending', containerStatuses: [{ name: 'nextjs', image: 'todo-frontend:nx-1', restartCount: 0, state: { waiting: { reason, message: 'Back-off pulling image' } } }] }));
      expect(d).toMatchObject({ reason, fatal: true });
      expect(d.message).toBe(`image todo-frontend:nx-1 is not in the cluster: was it loaded? (${reason})`);
    }
  });
  it('reports CrashLoopBackOff with the container to take logs from', () => {
    const [d] = diagnosePod(
      pod({ phase: 'Running', containerStatuses: [{ name: 'nextjs', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } }] }),
    );
    expect(d).toMatchObject({ reason: 'CrashLoopBackOff', fatal: true, logsFrom: { pod: 'todo-frontend-7d9c-abcde', container: 'nextjs', previous: true } });
    expect(d.message).toBe('container nextjs keeps crashing (3 restarts, last exit code 1 Error)');
    expect(render(d, 'Error: boom\n')).toBe('pod/todo-frontend-7d9c-abcde: CrashLoopBackOff: container nextjs keeps crashing (3 restarts, last exit code 1 Error)\n    last log lines:\n      Error: boom');
  });
  it('reports a missing Secret key', () => {
    const [d] = diagnosePod(pod({ containerStatuses: [{ name: 'nextjs', restartCount: 0, state: { waiting: { reason: 'CreateContainerConfigError', message: 'couldn\'t find key DATABASE_URL in Secret default/todo-secrets' } } }] }));
    expect(d.message).toMatch(/couldn't find key DATABASE_URL in Secret default\/todo-secrets/);
    expect(d.fatal).toBe(true);
    const [transient] = diagnosePod(pod({ containerStatuses: [{ name: 'nextjs', restartCount: 0, state: { waiting: { reason: 'CreateContainerConfigError', message: 'failed to sync configmap cache: timed out waiting for the condition' } } }] }));
    expect(transient.fatal).toBe(false);
  });
  it('reports why a pod cannot be scheduled', () => {
    const [d] = diagnosePod(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient memory.' }] }));
    expect(d).toMatchObject({ reason: 'Unschedulable', fatal: true, message: 'cannot be scheduled: 0/1 nodes are available: 1 Insufficient memory.' });
  });
  it('reports failing probes from events, fatal once they keep failing', () => {
    const ev = (count: number) => [{ reason: 'Unhealthy', message: 'Readiness probe failed: HTTP probe failed with statuscode: 503', count }];
    const running = pod({ phase: 'Running', containerStatuses: [{ name: 'nextjs', restartCount: 0, ready: false, state: { running: {} } }] });
    expect(diagnosePod(running, ev(2))[0]).toMatchObject({ reason: 'ProbeFailing', fatal: false });
    expect(diagnosePod(running, ev(6))[0]).toMatchObject({ reason: 'ProbeFailing', fatal: true, message: 'Readiness probe failed: HTTP probe failed with statuscode: 503 (6 times)' });
  });
  it('ignores terminating pods and healthy ones', () => {
    expect(diagnosePod({ ...pod({}), metadata: { name: 'x', deletionTimestamp: 'now' } })).toEqual([]);
    expect(diagnosePod(pod({ phase: 'Running', containerStatuses: [{ name: 'nextjs', restartCount: 0, ready: true, state: { running: {} } }] }))).toEqual([]);
  });
});

describe('deploymentProgress', () => {
  const dep = (spec: number, status: any, generation = 2) => ({ metadata: { name: 'todo-frontend', generation, annotations: { 'deployment.kubernetes.io/revision': '3' } }, spec: { replicas: spec }, status });
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
    expect(p).toEqual({ name: 'todo-frontend', ready: true, summary: '1/1 new available, 1/1 updated, 1 old terminating' });
  });
  it('is not fooled by old pods that are still available while the new one starts', () => {
    expect(deploymentProgress(dep(1, { observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 1 }), [rs('2', 1), rs('3', 0)]).ready).toBe(false);
  });
});
