// The deploy scenarios every cluster kind's spec runs the same way (kind, minikube), asserted
// from Nx's run record and the cluster.
import { ClusterView } from './cluster';
import { viaForward } from './http';
import { CLUSTER_WORK, RELEASE } from './todo-tasks';
import { cached, executed, NxRun, Workspace } from './workspace';

/** The todo app's cluster tasks a run executed (not from cache). */
export const workOf = (run: NxRun) => executed(run).filter((t) => CLUSTER_WORK.includes(t));

/** `nx run-many -t deploy`, one summary line for it; fails with the output when nx does. */
export async function deploy(ws: Workspace, summary: string[], name: string): Promise<NxRun> {
  const run = await ws.nx(['run-many', '-t', 'deploy']);
  summary.push(`${name.padEnd(36)} ran: ${workOf(run).join(', ') || '-'}  (${run.seconds.toFixed(1)} s, ${cached(run).length} cache hits)`);
  if (run.exitCode !== 0) throw new Error(`${name}: nx exited ${run.exitCode}\n${run.output.slice(-4000)}`);
  return run;
}

/** Nothing changed: every cluster task is a cache hit and the pods are the same. */
export async function noOpKeepsPods(ws: Workspace, cluster: ClusterView, summary: string[]) {
  const uids = await cluster.podUids();
  const run = await deploy(ws, summary, 'nothing changed');
  expect(workOf(run)).toEqual([]);
  expect(cached(run)).toEqual(expect.arrayContaining(CLUSTER_WORK));
  expect(await cluster.podUids()).toEqual(uids);
}

/** The frontend's page edited: its build and load and one upgrade run, the backend's pods stay, the page serves the edit. */
export async function oneAppChanged(ws: Workspace, cluster: ClusterView, summary: string[], title: string) {
  const before = await cluster.podUids();
  const page = 'apps/frontend/app/page.tsx';
  ws.write(page, ws.read(page).replace('<h1>Todos</h1>', `<h1>${title}</h1>`));
  ws.commit(`e2e: frontend page says ${title}`);
  const run = await deploy(ws, summary, 'frontend source');
  expect(workOf(run)).toEqual(['frontend:docker-build', 'frontend:minikube-load', RELEASE].sort());
  expect((await cluster.podUids())['backend']).toEqual(before['backend']);
  const html = await viaForward(cluster.kubeconfig, 'todo-frontend', 3000, async (b) => (await fetch(`${b}/`)).text());
  expect(html).toContain(title);
}
