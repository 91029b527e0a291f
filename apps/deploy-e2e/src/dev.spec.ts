// `dev` against the real cluster, in one running task: a frontend edit served through the same
// forwarded URL (how long after its cycle is printed, not asserted: bench/dev-bench.ts measures
// it), a values edit that only upgrades, a broken template
// that leaves the release serving, the logs throughout, and nothing left after Ctrl-C.
import execa from 'execa';
import { existsSync } from 'fs';
import { join } from 'path';
import { ClusterView, clusterUp, kubectlProcesses } from './support/cluster';
import { waitFor } from './support/http';
import { Workspace } from './support/workspace';

let ws: Workspace;
let cluster: ClusterView;
let dev: ReturnType<Workspace['start']>;
let frontendUrl: string;
let backendUrl: string;
const summary: string[] = [];

// eslint-disable-next-line no-control-regex -- ESC starts the ANSI colour codes this strips
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

/** The line dev prints when cycle `n` ends. */
async function cycleLine(n: number, timeoutMs = 600_000): Promise<string> {
  const pattern = new RegExp(`\\] cycle ${n} \\(.*\\) (deployed in|failed after) [^\\n]*`);
  await ws.until(dev, `the end of cycle ${n}`, pattern, timeoutMs);
  return pattern.exec(plain(dev.output))![0];
}

const secondsOf = (line: string) => Number(/(?:deployed in|failed after) ([\d.]+) s/.exec(line)![1]);

async function page(): Promise<string> {
  const r = await fetch(frontendUrl);
  return r.status === 200 ? await r.text() : '';
}

beforeAll(async () => {
  const c = await clusterUp();
  cluster = new ClusterView(c.kubeconfig, c.containerdAddress);
  ws = new Workspace(c.kubeconfig);
  dev = ws.start(['run', 'todo-app:dev']);
  await cycleLine(1);
  await ws.until(dev, 'the forwards', /open: /);
  const record = JSON.parse(ws.read('dist/nx-k8s/todo-app/forwards.json')) as { urls: Record<string, string> };
  [frontendUrl, backendUrl] = [record.urls['todo-frontend'], record.urls['todo-backend']];
}, 900_000);

afterAll(async () => {
  if (dev && dev.child.exitCode === null) {
    process.kill(-dev.child.pid!, 'SIGINT');
    await ws.finish(dev);
  }
  console.log(`\ndev summary\n${summary.join('\n')}\n`);
  ws?.remove();
});

test('the first cycle deploys, opens the forwards, follows the logs, and says what it watches', async () => {
  const out = plain(dev.output);
  expect(out).toMatch(/watching \d+ files in \d+ directories: the inputs of todo-app:validate, .*frontend:docker-build.*todo-app:helm-install/);
  expect(out).toMatch(/cycle 1 \(start\) deployed in [\d.]+ s/);
  expect(await page()).toContain('<h1>Todos</h1>');
  // uvicorn's access log for a request through the forward, in dev's output.
  const marker = `e2e-dev-${Date.now()}`;
  expect((await fetch(`${backendUrl}/api/todos?${marker}=1`)).status).toBe(200);
  await ws.until(dev, 'the access log line', new RegExp(`\\[backend todo-backend-[\\w-]+/[^\\]]+\\].*GET /api/todos\\?${marker}=1`), 15_000);
});

test('a frontend edit is served through the same URL; only the frontend is rebuilt', async () => {
  const marker = `dev-edit-${Date.now()}`;
  const source = 'apps/frontend/app/page.tsx';
  const savedAt = Date.now();
  ws.write(source, ws.read(source).replace('<h1>Todos</h1>', `<h1>Todos ${marker}</h1>`));
  const servedAt = await waitFor(
    'the edit through the forward',
    async () => ((await page().catch(() => '')).includes(marker) ? Date.now() : undefined),
    900_000,
    100,
  );
  const line = await cycleLine(2);
  expect(line).toMatch(/^\] cycle 2 \(apps\/frontend\/app\/page\.tsx\) deployed in/);
  expect(line).toMatch(/frontend:docker-build built .*frontend:minikube-load loaded .*todo-app:helm-install upgraded/);
  expect(line).toMatch(/from Nx's cache: .*backend:docker-build, backend:minikube-load/);
  const served = (servedAt - savedAt) / 1000;
  const cycle = secondsOf(line);
  summary.push(
    `frontend edit: served ${served.toFixed(1)} s after the save; its cycle (nx run: build, load, rollout) took ${cycle.toFixed(1)} s`,
    line.slice(2),
  );
  // The same forward serves it: dev neither reopened the forwards nor moved them to other ports.
  const record = JSON.parse(ws.read('dist/nx-k8s/todo-app/forwards.json')) as { urls: Record<string, string> };
  expect(record.urls['todo-frontend']).toBe(frontendUrl);
  expect(plain(dev.output).match(/open: http:\/\//g)).toHaveLength(1);
});

test('a values edit upgrades only: no build, no load', async () => {
  const values = 'charts/todo-app/values-dev.yaml';
  ws.write(values, ws.read(values).replace('LOG_LEVEL: debug', 'LOG_LEVEL: info'));
  const line = await cycleLine(3);
  expect(line).toMatch(
    /^\] cycle 3 \(charts\/todo-app\/values-dev\.yaml\) deployed in [\d.]+ s: todo-app:validate valid \([\d.]+ s\), todo-app:helm-install upgraded/,
  );
  expect(line).not.toMatch(/docker-build (built|reused)|minikube-load (loaded|already present)/);
  summary.push(`values edit: ${line.slice(2)}`);
  const cm = JSON.parse(await cluster.kubectl(['get', 'configmap', '-l', 'app.kubernetes.io/instance=todo-app', '-o', 'json'])).items as Array<{
    data?: Record<string, string>;
  }>;
  expect(cm.some((c) => c.data?.LOG_LEVEL === 'info')).toBe(true);
});

test('a syntax error in a chart template: the diagnosis, and the old release keeps serving', async () => {
  const template = 'charts/todo-app/templates/configmap.yaml';
  const good = ws.read(template);
  const before = (await cluster.release())!;
  ws.write(template, `${good}\n{{ .Values.global.config.LOG_LEVEL\n`);
  const line = await cycleLine(4);
  expect(line).toMatch(/^\] cycle 4 \(charts\/todo-app\/templates\/configmap\.yaml\) failed after [\d.]+ s: todo-app:validate: .*The release keeps serving/);
  // helm's own words on the template, with its file and line, in the cycle's output.
  expect(plain(dev.output)).toMatch(/configmap\.yaml:\d+.*unclosed action|unclosed action.*configmap\.yaml/);
  expect(await cluster.release()).toMatchObject({ revision: before.revision, status: 'deployed' });
  expect(await page()).toContain('<h1>Todos dev-edit-');
  ws.write(template, good);
  const fixed = await cycleLine(5);
  summary.push(line.slice(2), fixed.slice(2));
  expect(fixed).toMatch(/^\] cycle 5 \(charts\/todo-app\/templates\/configmap\.yaml\) deployed in/);
});

test('Ctrl-C stops dev and leaves no nx, kubectl or helm process and no forwards record', async () => {
  process.kill(-dev.child.pid!, 'SIGINT');
  await ws.finish(dev);
  await waitFor('no kubectl left', async () => ((await kubectlProcesses()).length === 0 ? true : undefined), 10_000);
  const left = await execa('pgrep', ['-af', 'nx(\\.js)? run todo-app:(dev|deploy)|helm (upgrade|status|get|template)'], { reject: false });
  expect(left.stdout.split('\n').filter((l) => l.trim() && !/pgrep/.test(l))).toEqual([]);
  expect(existsSync(join(ws.dir, 'dist/nx-k8s/todo-app/forwards.json'))).toBe(false);
});
