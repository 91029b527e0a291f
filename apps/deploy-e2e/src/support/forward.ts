// The port-forward scenario, shared by every cluster kind's spec.
import execa from 'execa';
import { join } from 'path';
import { ClusterView, kubectlProcesses } from './cluster';
import { waitFor } from './http';
import { Workspace } from './workspace';

/**
 * todo-app:port-forward serves the UI and the API, answers again within 5 s of a replaced
 * frontend pod being ready, and leaves no kubectl behind. Returns the recovery line.
 */
export async function forwardSurvivesPodReplacement(ws: Workspace, cluster: ClusterView): Promise<string> {
  let recovery: string;
  const pf = execa(join(ws.dir, 'node_modules/.bin/nx'), ['run', 'todo-app:port-forward', '--outputStyle=stream'], {
    cwd: ws.dir,
    env: ws.env,
    detached: true,
    reject: false,
    all: true,
  });
  let out = '';
  pf.all!.on('data', (b: Buffer) => (out += b.toString()));
  try {
    await waitFor('port-forward to open', async () => (/open: /.test(out) ? true : undefined), 300_000);
    const [fe, be] = [
      /ready: (http:\/\/127\.0\.0\.1:\d+) -> svc\/todo-frontend/.exec(out)![1],
      /ready: (http:\/\/127\.0\.0\.1:\d+) -> svc\/todo-backend/.exec(out)![1],
    ];
    const title = `e2e ${Date.now()}`;
    const created = await fetch(`${fe}/api/todos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title }) });
    expect(created.status).toBe(201);
    const listed = (await (await fetch(`${be}/api/todos`)).json()) as Array<{ title: string }>;
    expect(listed.map((t) => t.title)).toContain(title);
    expect(await (await fetch(`${fe}/`)).text()).toContain(title);

    // Replace the frontend pod. kubectl port-forward is bound to the old pod and exits with
    // it; the forward must answer again within 5 s of the new pod being ready (counted from
    // when the old pod is gone too, since it may serve until then).
    const [old] = (await cluster.podUids())['frontend'];
    const before = out.length;
    await cluster.kubectl(['delete', 'pod', '-n', 'default', '-l', 'app.kubernetes.io/name=frontend', '--wait=false']);
    const readyAt = await waitFor('a new ready frontend pod, and the old one gone', async () => {
      const pods = JSON.parse(await cluster.kubectl(['get', 'pods', '-n', 'default', '-l', 'app.kubernetes.io/name=frontend', '-o', 'json'])).items as any[];
      const fresh = pods.find((p) => p.metadata.uid !== old && (p.status.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'));
      return fresh && !pods.some((p) => p.metadata.uid === old) ? Date.now() : undefined;
    });
    const backAt = await waitFor(
      'the forwarded frontend URL to answer again',
      async () =>
        (await fetch(`${fe}/api/health`)
          .then((r) => r.ok)
          .catch(() => false))
          ? Date.now()
          : undefined,
      60_000,
      100,
    );
    await waitFor(
      'the supervisor to report the reconnect',
      async () => (/reconnected: .*svc\/todo-frontend/.test(out.slice(before)) ? true : undefined),
      10_000,
    );
    recovery = `port-forward recovery: answered ${((backAt - readyAt) / 1000).toFixed(1)} s after the new pod was ready and the old one gone`;
    expect(backAt - readyAt).toBeLessThan(5000);
    expect(Array.isArray(await (await fetch(`${fe}/api/todos`)).json())).toBe(true);
  } finally {
    process.kill(-pf.pid!, 'SIGINT');
    await pf;
  }
  await waitFor('no kubectl port-forward left', async () => ((await kubectlProcesses()).length === 0 ? true : undefined), 10_000);
  return recovery;
}
