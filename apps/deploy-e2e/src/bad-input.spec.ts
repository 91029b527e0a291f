// Bad input through the real nx CLI: each fails its task with one clear line and the fix,
// and leaves nothing half-done (a failed upgrade is rolled back).
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { gunzipSync, gzipSync } from 'zlib';
import { ClusterView, clusterUp } from './support/cluster';
import { Workspace } from './support/workspace';

let ws: Workspace;
let cluster: ClusterView;

/** The one line nx-k8s printed for the failed task. */
function errorLine(output: string): string {
  const line = output.split('\n').find((l) => l.includes('nx-k8s ') && / Fix: /.test(l));
  if (!line) throw new Error(`no nx-k8s error line with a fix in:\n${output.slice(-3000)}`);
  // eslint-disable-next-line no-control-regex -- ESC starts the ANSI colour codes this strips
  const plain = line.replace(/\x1b\[[0-9;]*m/g, '');
  return plain.replace(/^\S+: /, '').trim();
}

beforeAll(async () => {
  const c = await clusterUp();
  cluster = new ClusterView(c.kubeconfig, c.containerdAddress);
  ws = new Workspace(c.kubeconfig);
  const first = await ws.nx(['run-many', '-t', 'deploy']);
  if (first.exitCode !== 0) throw new Error(first.output.slice(-3000));
});

afterAll(() => ws?.remove());

test('invalid image name (uppercase)', async () => {
  const run = await ws.nx(['run', 'backend:docker-build', '--repository=Todo-Backend']);
  expect(run.exitCode).not.toBe(0);
  expect(errorLine(run.output)).toBe(
    "nx-k8s backend:docker-build: image repository 'Todo-Backend' (option repository of backend:docker-build) has uppercase letters (Docker repositories are lowercase). Fix: use a lowercase name such as todo-backend",
  );
});

test('missing Dockerfile', async () => {
  const run = await ws.nx(['run', 'backend:docker-build', '--dockerfile=docker/missing.Dockerfile', '--skip-nx-cache']);
  expect(run.exitCode).not.toBe(0);
  expect(errorLine(run.output)).toBe(
    'nx-k8s backend:docker-build: Dockerfile docker/missing.Dockerfile does not exist. Fix: create it, or correct option dockerfile',
  );
});

test('unknown cluster kind', async () => {
  const run = await ws.nx(['run', 'backend:minikube-load', '--cluster=k3s']);
  expect(run.exitCode).not.toBe(0);
  // Nx checks the option against the executor's schema before the task starts.
  expect(run.output).toMatch(/cluster.*k3s|k3s.*cluster/i);
  expect(run.output).toMatch(/minikube/);
});

test('missing chart', async () => {
  const run = await ws.nx(['run', 'todo-app:helm-install', '--chart=charts/missing', '--skip-nx-cache']);
  expect(run.exitCode).not.toBe(0);
  expect(errorLine(run.output)).toBe(
    'nx-k8s todo-app:helm-install: no chart at charts/missing (Chart.yaml is missing; option chart of todo-app:helm-install). Fix: point option chart at a Helm chart directory',
  );
});

test('cluster not running', async () => {
  const kubeconfig = join(ws.dir, 'unreachable.kubeconfig');
  writeFileSync(kubeconfig, readFileSync(cluster.kubeconfig, 'utf8').replace(/server: https:\/\/[^\s]+/, 'server: https://127.0.0.1:1'));
  const run = await ws.nx(['run', 'todo-app:helm-install', '--skip-nx-cache'], { KUBECONFIG: kubeconfig });
  expect(run.exitCode).not.toBe(0);
  expect(errorLine(run.output)).toMatch(
    // The first task that needs the cluster says so (here the loads, before the release).
    /^nx-k8s [\w-]+:[\w:-]+: the cluster of kube context 'nx-k8s-local' does not answer \(.*refused.*\)\. Fix: start your cluster \(minikube start, kind create cluster, \.\.\.\) or switch context with kubectl config use-context$/,
  );
});

test('helm timeout: the failed upgrade is rolled back, nothing is left pending', async () => {
  const before = (await cluster.release())!;
  const level = await cluster.kubectl(['get', 'configmap', 'todo-config', '-n', 'default', '-o', 'jsonpath={.data.LOG_LEVEL}']);
  // A config change rolls both Deployments; one second is not enough for them.
  const values = 'charts/todo-app/values-dev.yaml';
  ws.write(values, ws.read(values).replace(/LOG_LEVEL: \w+/, 'LOG_LEVEL: error'));
  ws.commit('bad input: slow rollout');
  const run = await ws.nx(['run', 'todo-app:helm-install', '--timeout=1']);
  expect(run.exitCode).not.toBe(0);
  // eslint-disable-next-line no-control-regex -- ESC starts the ANSI colour codes this strips
  const out = run.output.replace(/\x1b\[[0-9;]*m/g, '');
  expect(out).toMatch(new RegExp(`release todo-app revision ${before.revision + 1} did not become ready; rolled back to revision ${before.revision}:`));
  expect(out).toMatch(/deployment\/todo-(frontend|backend): not rolled out after 1 s/);
  const after = (await cluster.release())!;
  expect(after).toEqual({ revision: before.revision + 2, status: 'deployed' });
  expect(await cluster.kubectl(['get', 'configmap', 'todo-config', '-n', 'default', '-o', 'jsonpath={.data.LOG_LEVEL}'])).toBe(level);
  // And the next deploy, with time, succeeds.
  const again = await ws.nx(['run-many', '-t', 'deploy']);
  expect(again.exitCode).toBe(0);
  expect(await cluster.kubectl(['get', 'configmap', 'todo-config', '-n', 'default', '-o', 'jsonpath={.data.LOG_LEVEL}'])).toBe('error');
});

test('a release stuck in pending-upgrade gets the recovery command', async () => {
  // Rewrite the latest release record as an interrupted helm leaves it (status inside the
  // gzipped record and on the Secret's label), then put it back.
  const list = JSON.parse(await cluster.kubectl(['get', 'secrets', '-n', 'default', '-l', 'owner=helm,name=todo-app,status=deployed', '-o', 'json']))
    .items as any[];
  const secret = list[0];
  const original = secret.data.release as string;
  const record = JSON.parse(gunzipSync(Buffer.from(Buffer.from(original, 'base64').toString(), 'base64')).toString());
  record.info.status = 'pending-upgrade';
  const pending = Buffer.from(Buffer.from(gzipSync(JSON.stringify(record))).toString('base64')).toString('base64');
  const patch = (release: string, status: string) =>
    cluster.kubectl([
      'patch',
      'secret',
      secret.metadata.name,
      '-n',
      'default',
      '--type=merge',
      '-p',
      JSON.stringify({ data: { release }, metadata: { labels: { status } } }),
    ]);
  await patch(pending, 'pending-upgrade');
  try {
    const values = 'charts/todo-app/values-dev.yaml';
    ws.write(values, ws.read(values).replace(/LOG_LEVEL: \w+/, 'LOG_LEVEL: info'));
    ws.commit('bad input: pending');
    const run = await ws.nx(['run', 'todo-app:helm-install']);
    expect(run.exitCode).not.toBe(0);
    expect(errorLine(run.output)).toMatch(
      /release todo-app in namespace default is stuck in pending-upgrade \(revision \d+\).* Fix: helm rollback todo-app -n default, then deploy again$/,
    );
  } finally {
    await patch(original, 'deployed');
  }
});
