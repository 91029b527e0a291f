// Data survives a redeploy (issue 11): in dev the backend's SQLite file is on the claim
// todo-backend-data of the cluster's default StorageClass (local-path on the embedded
// cluster). A todo created through the API over a real port-forward is still listed after a
// rollout, after a values change deployed with nx, and after local-cluster down + up and a
// redeploy. The first deploy reuses what the cluster already runs (another spec's release of
// the same commit is only upgraded to this clone's state, its images are loaded already).
import execa from 'execa';
import { ClusterView, clusterUp } from './support/cluster';
import { viaForward, waitFor } from './support/http';
import { cached, executed, localCluster, NxRun, Workspace } from './support/workspace';
import { LOAD, RELEASE } from './support/todo-tasks';

const CLAIM = 'todo-backend-data';
const summary: string[] = [];
let ws: Workspace;
let cluster: ClusterView;
const title = `survives a redeploy ${Date.now()}`;

function work(run: NxRun) {
  return executed(run).filter((t) => /:(docker-build|minikube-load|helm-install)$/.test(t));
}

async function deploy(step: string): Promise<NxRun> {
  const run = await ws.nx(['run-many', '-t', 'deploy']);
  summary.push(`${step.padEnd(40)} ran: ${work(run).join(', ') || '-'}  (${run.seconds.toFixed(1)} s, ${cached(run).length} cache hits)`);
  if (run.exitCode !== 0) throw new Error(`${step}: nx exited ${run.exitCode}\n${run.output.slice(-4000)}`);
  return run;
}

/** The titles the API lists, through a new `kubectl port-forward svc/todo-backend` (retried while the pod gets ready). */
function listed(): Promise<string[]> {
  return waitFor('the API to list the todos through a port-forward', () =>
    viaForward(cluster.kubeconfig, 'todo-backend', 8000, async (base) => {
      const r = await fetch(`${base}/api/todos`);
      if (r.status !== 200) throw new Error(`GET /api/todos: ${r.status}`);
      return ((await r.json()) as Array<{ title: string }>).map((t) => t.title);
    }),
  );
}

async function backendPod(): Promise<string> {
  const uids = (await cluster.podUids())['backend'] ?? [];
  if (uids.length !== 1) throw new Error(`expected one backend pod, got ${uids.length}`);
  return uids[0];
}

async function claim(): Promise<{ phase: string; storageClass: string; uid: string; volume: string }> {
  const pvc = JSON.parse(await cluster.kubectl(['get', 'pvc', CLAIM, '-n', 'default', '-o', 'json']));
  return { phase: pvc.status.phase, storageClass: pvc.spec.storageClassName, uid: pvc.metadata.uid, volume: pvc.spec.volumeName };
}

const clusterId = () => cluster.kubectl(['get', 'namespace', 'kube-system', '-o', 'jsonpath={.metadata.uid}']);

beforeAll(async () => {
  const c = await clusterUp();
  cluster = new ClusterView(c.kubeconfig, c.containerdAddress);
  ws = new Workspace(c.kubeconfig);
  await deploy('0 deploy (dev)');
});

afterAll(() => {
  console.log(`\npersistence summary\n${summary.join('\n')}\n`);
  ws?.remove();
});

test('dev: the backend keeps SQLite on a Bound claim of the default StorageClass, one pod at a time', async () => {
  expect(await claim()).toMatchObject({ phase: 'Bound', storageClass: 'local-path' });
  const deployment = JSON.parse(await cluster.kubectl(['get', 'deployment', 'todo-backend', '-n', 'default', '-o', 'json']));
  expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
  expect(deployment.spec.template.spec.volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: CLAIM } });
});

test('a todo created through the forwarded API is listed', async () => {
  const status = await viaForward(cluster.kubeconfig, 'todo-backend', 8000, async (base) => {
    const r = await fetch(`${base}/api/todos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title }) });
    return r.status;
  });
  expect(status).toBe(201);
  expect(await listed()).toContain(title);
});

test('(a) still listed after a backend rollout (kubectl rollout restart)', async () => {
  const pod = await backendPod();
  await cluster.kubectl(['rollout', 'restart', 'deployment/todo-backend', '-n', 'default']);
  await cluster.kubectl(['rollout', 'status', 'deployment/todo-backend', '-n', 'default', '--timeout=300s']);
  expect(await backendPod()).not.toBe(pod);
  expect(await listed()).toContain(title);
});

test('(b) still listed after a values change deployed with nx (a new backend pod template)', async () => {
  const before = await cluster.podUids();
  const values = 'charts/todo-app/values-dev.yaml';
  // The backend's memory request: only its pod template changes.
  const edited = ws.read(values).replace(/(backend:[\s\S]*?requests:\s+cpu: \S+\s+memory: )96Mi/, '$1112Mi');
  expect(edited).not.toBe(ws.read(values));
  ws.write(values, edited);
  ws.commit('e2e: backend memory request');
  const run = await deploy('b values-dev.yaml (backend request)');
  expect(work(run)).toEqual([RELEASE]);
  expect(
    await cluster.kubectl([
      'get',
      'deployment',
      'todo-backend',
      '-n',
      'default',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].resources.requests.memory}',
    ]),
  ).toBe('112Mi');
  const after = await cluster.podUids();
  expect(after['backend']).not.toEqual(before['backend']);
  expect(after['frontend']).toEqual(before['frontend']);
  expect(await listed()).toContain(title);
});

test('(c) still listed after local-cluster down + up and a redeploy: a new cluster, a new claim, the same data', async () => {
  const [id, old] = [await clusterId(), await claim()];
  await execa('bash', [localCluster, 'down'], { stdio: 'inherit' });
  await execa('bash', [localCluster, 'up'], { stdio: 'inherit' });
  expect(await clusterId()).not.toBe(id);
  const run = await deploy('c cluster down + up');
  // The node is new: the images are loaded again; nothing is built.
  expect(work(run)).toEqual([...LOAD, RELEASE].sort());
  const now = await claim();
  expect(now).toMatchObject({ phase: 'Bound', storageClass: 'local-path' });
  expect(now.uid).not.toBe(old.uid);
  expect(now.volume).not.toBe(old.volume);
  expect(await listed()).toContain(title);
});
