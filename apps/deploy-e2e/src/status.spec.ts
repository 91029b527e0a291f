// `status` against the real cluster, through real Nx in a clone: a healthy release (tables and
// --json against the schema), the workspace changed but not deployed, a crash loop, and an
// image removed from the node. Secret values reach the cluster and never the report.
import Ajv from 'ajv';
import { readFileSync } from 'fs';
import { join } from 'path';
import { ClusterView, clusterUp } from './support/cluster';
import { NxRun, repoRoot, Workspace } from './support/workspace';

let ws: Workspace;
let cluster: ClusterView;

// Built from parts, so no committed file holds it whole.
const AUTH = ['status', 'e2e', 'auth', 'value', '4711'].join('-');
const secrets = { BETTER_AUTH_SECRET: AUTH };

const schema = JSON.parse(readFileSync(join(repoRoot, 'libs/nx-k8s/src/status/status-report.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true }).compile(schema);

// Nx's stream output style prefixes each line with the project.
// eslint-disable-next-line no-control-regex -- ESC starts the ANSI colour codes this strips
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').replace(/^todo-app: /gm, '');

async function status(json = false): Promise<NxRun & { report?: any }> {
  const run = await ws.nx(['run', 'todo-app:status', ...(json ? ['--json'] : [])], secrets);
  expect(run.output).not.toContain(AUTH);
  if (!json) return run;
  // The one JSON document between Nx's own lines.
  const text = plain(run.output);
  const start = text.indexOf('\n{') + 1;
  const end = text.indexOf('\n}', start) + 2;
  const report = JSON.parse(text.slice(start, end));
  if (!validate(report)) throw new Error(`status --json does not match the schema: ${JSON.stringify(validate.errors)}\n${text.slice(start, end)}`);
  return { ...run, report };
}

async function deploy(step: string) {
  const run = await ws.nx(['run-many', '-t', 'deploy'], secrets);
  if (run.exitCode !== 0) throw new Error(`${step}: deploy failed\n${run.output.slice(-3000)}`);
}

beforeAll(async () => {
  const c = await clusterUp();
  cluster = new ClusterView(c.kubeconfig, c.containerdAddress);
  ws = new Workspace(c.kubeconfig);
  await deploy('first deploy');
});

afterAll(() => ws?.remove());

test('a healthy release: every app Running and Available, endpoints ready, config keys, up to date; --json matches the schema', async () => {
  const run = await status();
  const out = plain(run.output);
  expect(run.exitCode).toBe(0);
  expect(out).toMatch(/release todo-app \(namespace default, context nx-k8s-local\): revision \d+ deployed; up to date with the workspace/);
  expect(out).toMatch(/frontend +todo-frontend:nx-[0-9a-f]{16} +Running +yes +yes +deployment\/todo-frontend +Available +1\/1 new available/);
  expect(out).toMatch(/backend +todo-backend:nx-[0-9a-f]{16} +Running +yes +yes +deployment\/todo-backend +Available/);
  expect(out).toMatch(/secret\/todo-secrets +BETTER_AUTH_SECRET +todo-backend-\S+,todo-frontend-\S+/);
  expect(out).toMatch(/\nhealthy\n/);
  // The executor's own time (Nx start-up aside), as the budget counts it.
  const took = Number(/status in ([\d.]+) s/.exec(out)?.[1]);
  console.log(`status took ${took} s inside the executor`);

  const { report } = await status(true);
  expect(report.healthy).toBe(true);
  expect(report.release.upToDate).toBe(true);
  expect(report.apps.map((a: any) => a.image.state)).toEqual(['Running', 'Running']);
  expect(report.services.map((s: any) => [s.name, s.ready])).toEqual([
    ['todo-backend', 1],
    ['todo-frontend', 1],
  ]);
});

test('the workspace changed but was not deployed: names the app that differs', async () => {
  const page = 'apps/frontend/app/page.tsx';
  const before = ws.read(page);
  ws.write(page, before.replace('<h1>Todos', `<h1>Todos (status ${Date.now()})`));
  try {
    const { report, exitCode } = await status(true);
    expect(exitCode).toBe(0);
    expect(report.release.upToDate).toBe(false);
    expect(report.release.differs.map((d: any) => d.app)).toEqual(['frontend']);
    expect(report.release.note).toBe('differs from the workspace: frontend');
    const frontend = report.apps.find((a: any) => a.name === 'frontend');
    expect(frontend.image.workspace).not.toBe(frontend.image.deployed);
    expect(frontend.image.builtHere).toBe(false);
  } finally {
    ws.write(page, before);
  }
  const f = 'charts/todo-app/values-dev.yaml';
  const values = ws.read(f);
  ws.write(f, values.replace(/LOG_LEVEL: \w+/, 'LOG_LEVEL: warning'));
  try {
    const { report } = await status(true);
    expect(report.release).toMatchObject({ upToDate: false, differs: [], note: 'differs from the workspace: chart, values, set or secrets' });
  } finally {
    ws.write(f, values);
  }
  expect((await status(true)).report.release.upToDate).toBe(true);
  // Against the prod configuration, the dev release differs in its values.
  const prod = await ws.nx(['run', 'todo-app:status:prod', '--json'], secrets);
  expect(plain(prod.output)).toContain('"note": "differs from the workspace: chart, values, set or secrets"');
});

test('a crash loop: the reason and the last log line, exit non-zero', async () => {
  const crash = { spec: { template: { spec: { containers: [{ name: 'backend', command: ['sh', '-c', 'echo "fatal: status e2e crash"; exit 3'] }] } } } };
  const name = JSON.parse(await cluster.kubectl(['get', 'deployment', 'todo-backend', '-o', 'json'])).spec.template.spec.containers[0].name;
  crash.spec.template.spec.containers[0].name = name;
  await cluster.kubectl(['patch', 'deployment', 'todo-backend', '--type', 'strategic', '-p', JSON.stringify(crash)]);
  try {
    let last: NxRun & { report?: any } = await status(true);
    for (let i = 0; i < 30 && !plain(last.output).includes('last log line'); i++) {
      await new Promise((r) => setTimeout(r, 3000));
      last = await status(true);
    }
    expect(last.exitCode).not.toBe(0);
    const backend = last.report.apps.find((a: any) => a.name === 'backend');
    expect(backend.workloads[0].state).toBe('Degraded');
    expect(backend.workloads[0].reason).toMatch(/CrashLoopBackOff: container \S+ keeps crashing \(\d+ restarts, last exit code 3/);
    expect(backend.pods.find((p: any) => p.lastLog)).toMatchObject({ lastLog: 'fatal: status e2e crash', lastTermination: 'Error (exit code 3)' });
    const table = await status();
    expect(table.exitCode).not.toBe(0);
    expect(plain(table.output)).toMatch(/pod\/todo-backend-\S+: last log line: fatal: status e2e crash/);
    expect(plain(table.output)).toMatch(/nx-k8s todo-app:status: release todo-app is not healthy: deployment\/todo-backend: Degraded/);
  } finally {
    await cluster.kubectl(['rollout', 'undo', 'deployment/todo-backend']);
    await cluster.kubectl(['rollout', 'status', 'deployment/todo-backend', '--timeout=180s']);
  }
});

test('an image removed from the node: shown as not in the cluster, exit non-zero; the next deploy loads it again', async () => {
  const ref = (await cluster.deploymentImages())['todo-frontend'];
  const stored = (await cluster.nodeImages()).filter((i) => i.endsWith(`/${ref}`) || i === ref);
  for (const i of stored) await cluster.removeFromNode(i);
  const { report, exitCode } = await status(true);
  expect(exitCode).not.toBe(0);
  const frontend = report.apps.find((a: any) => a.name === 'frontend');
  expect(frontend.image).toMatchObject({ deployed: ref, inCluster: false, state: 'Not in the cluster' });
  expect(report.problems).toContain(
    `frontend: image ${ref} is not in the cluster's runtime: a pod that restarts cannot start. Fix: nx run frontend:deploy (loads it again)`,
  );
  await deploy('deploy after the image was removed');
  expect((await status(true)).report.healthy).toBe(true);
});
