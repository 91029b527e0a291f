// The cached deploy graph end to end: the real nx CLI on a throwaway git clone, the real
// Docker daemon, helm and the local cluster. Each scenario asserts from Nx's own record of
// the run (executed vs cache hits) and from the cluster (images, pod UIDs, revisions, HTTP).
import execa from 'execa';
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { ClusterView, clusterUp, kubectlProcesses } from './support/cluster';
import { forwardSurvivesPodReplacement } from './support/forward';
import { viaForward, waitFor } from './support/http';
import { cached, executed, localCluster, NxRun, Workspace } from './support/workspace';
import { LOAD, RELEASE, CLUSTER_WORK } from './support/todo-tasks';

let ws: Workspace;
let cluster: ClusterView;
const summary: string[] = [];

function record(name: string, run: NxRun) {
  const work = executed(run).filter((t) => CLUSTER_WORK.includes(t));
  summary.push(`${name.padEnd(44)} ran: ${work.join(', ') || '-'}  (${run.seconds.toFixed(1)} s, ${cached(run).length} cache hits)`);
  if (run.exitCode !== 0) throw new Error(`${name}: nx exited ${run.exitCode}\n${run.output.slice(-4000)}`);
}

function workOf(run: NxRun) {
  return executed(run).filter((t) => CLUSTER_WORK.includes(t));
}

async function deploy(name: string, args = ['run-many', '-t', 'deploy']) {
  const run = await ws.nx(args);
  record(name, run);
  return run;
}

function imageRecord(project: string) {
  return JSON.parse(ws.read(`dist/nx-k8s/${project}/image.json`)) as { ref: string; id: string };
}

beforeAll(async () => {
  const c = await clusterUp();
  cluster = new ClusterView(c.kubeconfig, c.containerdAddress);
  await execa('helm', ['uninstall', 'todo-app', '-n', 'default', '--wait'], {
    env: { ...process.env, KUBECONFIG: c.kubeconfig, PATH: `/var/cache/nx-k8s/bin:${process.env.PATH}` },
    reject: false,
  });
  ws = new Workspace(c.kubeconfig);
});

afterAll(() => {
  // The table for the closing note.
  console.log(`\nscenario summary\n${summary.join('\n')}\n`);
  ws?.remove();
});

test('a fresh clone: run-many -t deploy builds, loads and installs everything', async () => {
  const run = await deploy('0 fresh clone');
  expect(workOf(run)).toEqual([...CLUSTER_WORK].sort());
  expect(await cluster.release()).toMatchObject({ status: 'deployed' });
  const images = await cluster.deploymentImages();
  expect(images['todo-frontend']).toBe(imageRecord('frontend').ref);
  expect(images['todo-backend']).toBe(imageRecord('backend').ref);
});

test('port-forward serves the UI and the API, survives a pod replacement, and leaves no kubectl behind', async () => {
  summary.push(await forwardSurvivesPodReplacement(ws, cluster));
});

test("the todo app's browser e2e as a target on the continuous port-forward: frontend:e2e-deployed", async () => {
  const run = await ws.nx(['run', 'frontend:e2e-deployed']);
  if (run.exitCode !== 0) throw new Error(`frontend:e2e-deployed exited ${run.exitCode}\n${run.output.slice(-4000)}`);
  // Chromium against the deployed app, through the URLs the forwards record gave it.
  // eslint-disable-next-line no-control-regex -- ESC starts the ANSI colour codes jest prints
  const out = run.output.replace(/\x1b\[[0-9;]*m/g, '');
  expect(out).toMatch(/Tests:\s+2 passed, 2 total/);
  expect(out).toMatch(/\[todo-app\] open: .*http:\/\/127\.0\.0\.1:\d+ \(todo-frontend\)/);
  expect(run.tasks.get('frontend:e2e-deployed')).toBe('success');
  // The continuous dependency ended with its dependent, and withdrew its record.
  await waitFor('no kubectl left', async () => ((await kubectlProcesses()).length === 0 ? true : undefined), 10_000);
  // Nx may kill the task outright (no handler runs): a record left then names a process that is gone, which readers ignore.
  const left = join(ws.dir, 'dist/nx-k8s/todo-app/forwards.json');
  if (existsSync(left)) expect(() => process.kill(JSON.parse(readFileSync(left, 'utf8')).pid, 0)).toThrow();
  summary.push(`frontend:e2e-deployed (browser e2e on the port-forward)   ${run.seconds.toFixed(1)} s`);
});

test('1: nothing changed: no build, load or upgrade; same pods', async () => {
  const uids = await cluster.podUids();
  const run = await deploy('1 nothing changed');
  expect(workOf(run)).toEqual([]);
  expect(await cluster.podUids()).toEqual(uids);
});

test('1b: the no-op asks the cluster each thing once, over the API, not per task', async () => {
  const run = await ws.nx(['run-many', '-t', 'deploy'], { NX_VERBOSE_LOGGING: 'true' });
  record('1b nothing changed (verbose)', run);
  expect(workOf(run)).toEqual([]);
  // Every command the plugin runs and every request it makes, as its verbose log names them.
  const queries = [...run.output.matchAll(/nx-k8s: (\$ \S+.*|(GET|HEAD) \S+)/g)].map((m) => m[1].replace(/--context \S+ /, ''));
  summary.push(`1b the no-op's cluster queries (${queries.length}): ${queries.map((q) => q.slice(0, 70)).join(' | ')}`);
  expect(new Set(queries).size).toBe(queries.length);
  expect(queries.filter((q) => /^\$ \S*kubectl /.test(q))).toEqual([]);
  expect(queries.filter((q) => /^\$ \S*helm /.test(q))).toEqual([expect.stringMatching(/^\$ \S*helm version/)]);
  expect(queries.filter((q) => / images list/.test(q))).toHaveLength(1);
  expect(queries.filter((q) => /^GET .*\/secrets\?/.test(q))).toHaveLength(1);
});

test('4: a spec file only: no image build', async () => {
  const spec = 'apps/frontend/tests/api-routes.test.ts';
  ws.write(spec, ws.read(spec) + '\n// e2e: a change to a test only\n');
  ws.commit('e2e: spec only');
  const uids = await cluster.podUids();
  const run = await deploy('4 spec file only');
  expect(workOf(run)).toEqual([]);
  expect(await cluster.podUids()).toEqual(uids);
});

test('2: frontend source: frontend build + load, one upgrade; backend pods untouched', async () => {
  const before = await cluster.podUids();
  const revision = (await cluster.release())!.revision;
  const page = 'apps/frontend/app/page.tsx';
  ws.write(page, ws.read(page).replace('<h1>Todos</h1>', '<h1>Todos (e2e 2)</h1>'));
  ws.commit('e2e: frontend change');
  const run = await deploy('2 frontend source');
  expect(workOf(run)).toEqual(['frontend:docker-build', 'frontend:minikube-load', RELEASE].sort());
  expect((await cluster.release())!.revision).toBe(revision + 1);
  expect((await cluster.podUids())['backend']).toEqual(before['backend']);
  const html = await viaForward(cluster.kubeconfig, 'todo-frontend', 3000, async (b) => (await fetch(`${b}/`)).text());
  expect(html).toContain('Todos (e2e 2)');
});

test('3: backend source: backend build + load, one upgrade; the API serves the change', async () => {
  const before = await cluster.podUids();
  const app = 'apps/backend/todo_api/app.py';
  ws.write(app, ws.read(app).split('f"todo {todo_id} not found"').join('f"todo {todo_id} not found (e2e 3)"'));
  ws.commit('e2e: backend change');
  const run = await deploy('3 backend source');
  expect(workOf(run)).toEqual(['backend:docker-build', 'backend:minikube-load', RELEASE].sort());
  expect((await cluster.podUids())['frontend']).toEqual(before['frontend']);
  const body = await viaForward(cluster.kubeconfig, 'todo-backend', 8000, async (b) => (await fetch(`${b}/api/todos/999999`, { method: 'DELETE' })).json());
  expect(body).toEqual({ error: 'todo 999999 not found (e2e 3)' });
});

test('5: values-dev.yaml: one upgrade, no build or load; the new value is live', async () => {
  const values = 'charts/todo-app/values-dev.yaml';
  expect(ws.read(values)).toMatch(/LOG_LEVEL: debug/);
  ws.write(values, ws.read(values).replace('LOG_LEVEL: debug', 'LOG_LEVEL: warning'));
  ws.commit('e2e: values');
  const run = await deploy('5 values-dev.yaml');
  expect(workOf(run)).toEqual([RELEASE]);
  expect(await cluster.kubectl(['get', 'configmap', 'todo-config', '-n', 'default', '-o', 'jsonpath={.data.LOG_LEVEL}'])).toBe('warning');
});

test('6: a chart template: one upgrade, no build or load; the change is live', async () => {
  const tpl = 'charts/todo-app/templates/configmap.yaml';
  ws.write(tpl, ws.read(tpl).replace('  name: todo-config\n', '  name: todo-config\n  annotations:\n    nx-k8s.test/scenario: "6"\n'));
  ws.commit('e2e: template');
  const run = await deploy('6 chart template');
  expect(workOf(run)).toEqual([RELEASE]);
  expect(await cluster.kubectl(['get', 'configmap', 'todo-config', '-n', 'default', '-o', 'jsonpath={.metadata.annotations.nx-k8s\\.test/scenario}'])).toBe(
    '6',
  );
});

test('7: image removed from Docker, Nx cache warm: the deploy still ends with the right image running', async () => {
  const fe = imageRecord('frontend');
  // By ID: every tag of it goes (an earlier run may have tagged the same content otherwise).
  await execa('docker', ['rmi', '-f', fe.id]);
  const run = await deploy('7 docker rmi (cache warm)');
  expect(run.exitCode).toBe(0);
  expect((await cluster.deploymentImages())['todo-frontend']).toBe(fe.ref);
  expect(await cluster.replicas('todo-frontend')).toBeGreaterThan(0);
});

test('8: image removed from the node: the load runs, the build does not', async () => {
  const fe = imageRecord('frontend');
  await cluster.removeFromNode(`docker.io/library/${fe.ref}`);
  // No BuildKit cache either: the rebuild below cannot reuse the final image's layers (the
  // legacy builder's cache went with the image itself in scenario 7).
  await execa('docker', ['builder', 'prune', '-af']);
  const run = await deploy('8 image removed from the node');
  expect(workOf(run)).toEqual(['frontend:minikube-load']);
  // Scenario 7 removed it from Docker too: the load rebuilt it from the cached record's tag.
  expect(run.output).toContain(`${fe.ref} is not in Docker (Nx restored its record from cache): rebuilding it`);
  expect(await cluster.nodeImages()).toContain(`docker.io/library/${fe.ref}`);
  expect((await cluster.deploymentImages())['todo-frontend']).toBe(fe.ref);
  // With no build cache the rebuild got a new image ID from the same inputs, while Nx keeps
  // restoring the record of the first build: the node holding the rebuild is in sync with it.
  const held = await cluster.nodeImageId(`docker.io/library/${fe.ref}`);
  summary.push(`8: record ${fe.id.slice(7, 19)}, node holds ${held?.slice(7, 19)} under ${fe.ref}`);
  expect(held).not.toBe(fe.id);
  expect(imageRecord('frontend').id).toBe(fe.id);
  expect(workOf(await deploy('8b the next deploy (rebuilt image on the node)'))).toEqual([]);
});

test('10: release uninstalled out of band: helm install runs, no build or load', async () => {
  await cluster.kubectl(['delete', 'secret', '-n', 'default', '-l', 'owner=helm,name=todo-app']).catch(() => '');
  await execa('helm', ['uninstall', 'todo-app', '-n', 'default', '--wait'], {
    env: { ...process.env, KUBECONFIG: cluster.kubeconfig, PATH: `/var/cache/nx-k8s/bin:${process.env.PATH}` },
    reject: false,
  });
  const run = await deploy('10 release uninstalled');
  expect(workOf(run)).toEqual([RELEASE]);
  expect(await cluster.release()).toMatchObject({ status: 'deployed' });
});

test('11: nx affected after a backend-only commit: backend and chart tasks, no frontend task runs', async () => {
  const app = 'apps/backend/todo_api/app.py';
  ws.write(app, ws.read(app).split('(e2e 3)').join('(e2e 11)'));
  ws.commit('e2e: backend only');
  const run = await deploy('11 nx affected (backend commit)', ['affected', '-t', 'deploy', '--base=HEAD~1', '--head=HEAD']);
  expect(workOf(run)).toEqual(['backend:docker-build', 'backend:minikube-load', RELEASE].sort());
  expect(executed(run).filter((t) => t.startsWith('frontend:'))).toEqual([]);
  // What the README says of the graph: frontend is affected too (its test target reads the
  // backend's sources), so its deploy, build and load are in the graph, all cache hits.
  expect([...run.tasks.keys()].sort()).toEqual(
    [
      'backend:deploy',
      'backend:docker-build',
      'backend:minikube-load',
      'frontend:deploy',
      'frontend:docker-build',
      'frontend:minikube-load',
      'todo-app:deploy',
      RELEASE,
      'todo-app:validate',
    ].sort(),
  );
  expect(
    cached(run)
      .filter((t) => t.startsWith('frontend:'))
      .sort(),
  ).toEqual(['frontend:deploy', 'frontend:docker-build', 'frontend:minikube-load']);
});

test('12: deploy:prod after dev: one upgrade with prod values, no builds', async () => {
  const run = await deploy('12 deploy:prod', ['run', 'todo-app:deploy:prod']);
  expect(workOf(run)).toEqual([RELEASE]);
  expect(await cluster.kubectl(['get', 'configmap', 'todo-config', '-n', 'default', '-o', 'jsonpath={.data.ENVIRONMENT}'])).toBe('production');
  expect(await cluster.replicas('todo-frontend')).toBe(2);
});

test('9: cluster deleted and recreated: every image loaded again and installed, no build', async () => {
  await execa('bash', [localCluster, 'down'], { stdio: 'inherit' });
  await execa('bash', [localCluster, 'up'], { stdio: 'inherit' });
  const run = await deploy('9 cluster recreated');
  expect(workOf(run)).toEqual([...LOAD, RELEASE].sort());
  expect(await cluster.release()).toMatchObject({ status: 'deployed' });
  expect(await cluster.replicas('todo-backend')).toBeGreaterThan(0);
});

test('secrets never reach Nx cache, outputs or terminal output', async () => {
  const secret = `gsk_e2e${Date.now()}secretvalue`;
  const run = await ws.nx(['run-many', '-t', 'deploy', '--verbose'], { GROQ_API_KEY: secret });
  record('secret changed (GROQ_API_KEY)', run);
  expect(workOf(run)).toEqual([RELEASE]);
  expect(run.output).not.toContain(secret);
  const grep = await execa('grep', ['-rl', secret, join(ws.dir, '.nx'), join(ws.dir, 'dist')], { reject: false });
  expect(grep.stdout).toBe('');
  // The value did reach the cluster.
  const b64 = await cluster.kubectl(['get', 'secret', 'todo-secrets', '-n', 'default', '-o', 'jsonpath={.data.GROQ_API_KEY}']);
  expect(Buffer.from(b64, 'base64').toString()).toBe(secret);
  expect(readFileSync(join(ws.dir, 'dist/nx-k8s/todo-app/release.json'), 'utf8')).not.toContain(secret);
});
