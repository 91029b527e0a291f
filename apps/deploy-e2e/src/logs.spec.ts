// `logs` against the real cluster: a line the backend logs for a request made through the real
// port-forward, and a replacement pod's lines within 5 s of its start, in the same running task.
import execa from 'execa';
import { ClusterView, clusterUp, kubectlProcesses } from './support/cluster';
import { Workspace } from './support/workspace';

let ws: Workspace;
let cluster: ClusterView;

// eslint-disable-next-line no-control-regex -- ESC starts the ANSI colour codes this strips
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

beforeAll(async () => {
  const c = await clusterUp();
  cluster = new ClusterView(c.kubeconfig, c.containerdAddress);
  ws = new Workspace(c.kubeconfig);
  const run = await ws.nx(['run-many', '-t', 'deploy']);
  if (run.exitCode !== 0) throw new Error(`deploy failed\n${run.output.slice(-3000)}`);
});

afterAll(() => ws?.remove());

test('an app the release does not run is refused in one line, naming the ones it does', async () => {
  const run = await ws.nx(['run', 'todo-app:logs', '--apps=nope']);
  expect(plain(run.output)).toContain(
    'nx-k8s todo-app:logs: option apps names nope, which release todo-app does not run. Fix: use backend, frontend, todo-backend, todo-frontend',
  );
});

test("logs: the backend's line for a request through the forward, then a new pod's lines within 5 s of its start", async () => {
  const forward = ws.start(['run', 'todo-app:port-forward']);
  const logs = ws.start(['run', 'todo-app:logs', '--tail=0']);
  try {
    await ws.until(forward, 'the forwards', /open: /);
    await ws.until(logs, 'the logs task', /following the logs of release todo-app/);
    const backend = /ready: (http:\/\/127\.0\.0\.1:\d+) -> svc\/todo-backend/.exec(forward.output)![1];
    const marker = `e2e-logs-${Date.now()}`;
    expect((await fetch(`${backend}/api/todos?${marker}=1`)).status).toBe(200);
    // uvicorn's access log, prefixed with app, pod and container.
    await ws.until(logs, 'the access log line', new RegExp(`\\[backend todo-backend-[\\w-]+/[^\\]]+\\].* .*GET /api/todos\\?${marker}=1`), 15_000);

    const old = JSON.parse(await cluster.kubectl(['get', 'pods', '-l', 'app.kubernetes.io/name=backend', '-o', 'json'])).items.map((p: any) => p.metadata.name);
    const before = logs.output.length;
    await cluster.kubectl(['delete', 'pod', '-l', 'app.kubernetes.io/name=backend', '--wait=false']);
    const fresh = await waitFor('a new backend pod that has started', async () => {
      const pods = JSON.parse(await cluster.kubectl(['get', 'pods', '-l', 'app.kubernetes.io/name=backend', '-o', 'json'])).items as any[];
      const p = pods.find((p) => !old.includes(p.metadata.name) && p.status.containerStatuses?.[0]?.state?.running);
      return p ? { name: p.metadata.name as string, startedAt: Date.parse(p.status.containerStatuses[0].state.running.startedAt) } : undefined;
    });
    const shownAt = await waitFor(
      "the new pod's first line",
      async () => (plain(logs.output.slice(before)).includes(`[backend ${fresh.name}/`) ? Date.now() : undefined),
      30_000,
      50,
    );
    // startedAt has whole seconds: up to 1 s early, so this errs on the strict side.
    console.log(`a new pod's first line was shown ${((shownAt - fresh.startedAt) / 1000).toFixed(1)} s after its container started`);
    expect(shownAt - fresh.startedAt).toBeLessThan(5000);
  } finally {
    for (const run of [logs, forward]) process.kill(-run.child.pid!, 'SIGINT');
    await Promise.all([ws.finish(logs), ws.finish(forward)]);
  }
  await waitFor('no kubectl left', async () => ((await kubectlProcesses()).length === 0 ? true : undefined), 10_000);
  const r = await execa('pgrep', ['-af', 'kubectl.*logs -f'], { reject: false });
  expect(r.stdout.trim()).toBe('');
});
