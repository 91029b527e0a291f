// Faults in the middle of a deploy, done for real: each ends with one clear nx-k8s line, leaves
// nothing half-done, and the next deploy (once the component is back) succeeds.
import execa from 'execa';
import { join } from 'path';
import { ClusterView, clusterUp } from './support/cluster';
import { waitFor } from './support/http';
import { localCluster, repoRoot, Workspace } from './support/workspace';

let ws: Workspace;
let cluster: ClusterView;

/** The one line nx-k8s printed for the failed task. */
function errorLine(output: string, task: string): string {
  const lines = output
    .split('\n')
    .map((l) =>
      l
        // eslint-disable-next-line no-control-regex -- ESC starts the ANSI colour codes this strips
        .replace(/\x1b\[[0-9;]*m/g, '')
        .replace(/^\S+: /, '')
        .trim(),
    )
    .filter((l) => l.startsWith(`nx-k8s ${task}`));
  if (lines.length !== 1) throw new Error(`expected one nx-k8s line for ${task}, got ${lines.length}:\n${output.slice(-3000)}`);
  return lines[0];
}

async function deployOk(step: string) {
  const run = await ws.nx(['run-many', '-t', 'deploy']);
  if (run.exitCode !== 0) throw new Error(`${step}: the next deploy failed\n${run.output.slice(-3000)}`);
  return run;
}

function logLevel(level: string) {
  const f = 'charts/todo-app/values-dev.yaml';
  ws.write(f, ws.read(f).replace(/LOG_LEVEL: \w+/, `LOG_LEVEL: ${level}`));
}

beforeAll(async () => {
  const c = await clusterUp();
  cluster = new ClusterView(c.kubeconfig, c.containerdAddress);
  ws = new Workspace(c.kubeconfig);
  await deployOk('first deploy');
});

afterAll(() => ws?.remove());

test('Docker daemon stopped mid-build', async () => {
  const page = 'apps/frontend/app/page.tsx';
  // A new edit each run: a tag Docker already has would be reused, not built.
  ws.write(page, ws.read(page).replace('<h1>Todos', `<h1>Todos (fault ${Date.now()})`));
  const started = ws.start(['run-many', '-t', 'deploy']);
  await ws.until(started, 'the frontend build', /building todo-frontend/);
  await execa('pkill', ['-x', 'dockerd']);
  const run = await ws.finish(started);
  try {
    expect(run.exitCode).not.toBe(0);
    expect(errorLine(run.output, 'frontend:docker-build')).toMatch(/docker|Docker/);
  } finally {
    await execa('bash', [join(repoRoot, 'tools/setup/docker.sh')], { stdio: 'inherit' });
  }
  await deployOk('after dockerd came back');
  expect((await cluster.deploymentImages())['todo-frontend']).toBe(JSON.parse(ws.read('dist/nx-k8s/frontend/image.json')).ref);
});

test("the node's containerd restarted mid-import", async () => {
  const ref = JSON.parse(ws.read('dist/nx-k8s/frontend/image.json')).ref as string;
  // Every name of its content: with another tag of it still on the node, the load would only tag.
  await cluster.removeContentFromNode(`docker.io/library/${ref}`);
  const started = ws.start(['run-many', '-t', 'deploy']);
  await ws.until(started, 'the import', /loading todo-frontend/);
  await waitFor(
    'ctr import running',
    async () => ((await execa('pgrep', ['-f', 'ctr .*images import'], { reject: false })).exitCode === 0 ? true : undefined),
    60_000,
    20,
  );
  await execa('pkill', ['-f', 'containerd --config /var/lib/nx-k8s-cluster/containerd.toml']);
  const run = await ws.finish(started);
  try {
    expect(run.exitCode).not.toBe(0);
    // ctr either fails on its broken stream or, when containerd went before its next call,
    // waits for ever: then the socket watch stops it within seconds, not the 15-min timeout.
    const line = errorLine(run.output, 'frontend:minikube-load');
    console.log(`containerd killed mid-import: ${line}`);
    expect(line).toMatch(/containerd at .* stopped answering during the import \(.*\)\. Fix: |images import - exited with \d+ .*Fix: .*containerd answers/);
    expect(line).not.toMatch(/did not finish within/);
  } finally {
    await execa('bash', [localCluster, 'up'], { stdio: 'inherit' });
  }
  await deployOk('after containerd came back');
  expect(await cluster.nodeImages()).toContain(`docker.io/library/${ref}`);
});

test("the node's disk full during the import", async () => {
  const { ref, id } = JSON.parse(ws.read('dist/nx-k8s/backend/image.json')) as { ref: string; id: string };
  // Every name of the image and its content, so the load has to transfer it again.
  await execa('ctr', ['--address', cluster.containerdAddress, '-n', 'k8s.io', 'images', 'rm', '--sync', `docker.io/library/${ref}`, id]);
  // A 32 MiB filesystem where containerd writes what it imports: the import runs out of space.
  const ingest = '/var/lib/nx-k8s-cluster/containerd/io.containerd.content.v1.content/ingest';
  await execa('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'nx-k8s-e2e-full', ingest]);
  let run;
  try {
    run = await ws.nx(['run-many', '-t', 'deploy']);
  } finally {
    await execa('umount', ['-l', ingest]);
  }
  expect(run.exitCode).not.toBe(0);
  expect(errorLine(run.output, 'backend:minikube-load')).toMatch(/no space left on device|free disk space/);
  await deployOk('after space was freed');
  expect(await cluster.nodeImages()).toContain(`docker.io/library/${ref}`);
});

test('the apiserver stopped mid-rollout', async () => {
  logLevel('error');
  const started = ws.start(['run-many', '-t', 'deploy']);
  await ws.until(started, 'the rollout wait', /waiting: deployment\/todo-/);
  // As a crash: SIGKILL, so `up` finds it gone rather than shutting down.
  await execa('pkill', ['-KILL', '-f', 'kube-apiserver --bind-address']);
  const run = await ws.finish(started);
  try {
    expect(run.exitCode).not.toBe(0);
    expect(errorLine(run.output, 'todo-app:helm-install')).toMatch(/does not answer.*Fix: /);
  } finally {
    await execa('bash', [localCluster, 'up'], { stdio: 'inherit' });
  }
  await deployOk('after the apiserver came back');
  expect(await cluster.kubectl(['get', 'configmap', 'todo-config', '-n', 'default', '-o', 'jsonpath={.data.LOG_LEVEL}'])).toBe('error');
  expect((await cluster.release())!.status).toBe('deployed');
});

test('a port-forward whose Service is missing gives up with one line within 30 s', async () => {
  const project = 'charts/todo-app/project.json';
  const original = ws.read(project);
  const config = JSON.parse(original);
  // The inferred target, with explicit forwards that name a Service the release does not have.
  config.targets['port-forward'] = { options: { forwards: [{ service: 'todo-missing', port: 8000, healthPath: '/health' }] } };
  ws.write(project, JSON.stringify(config, null, 2));
  const started = Date.now();
  const run = await ws.nx(['run', 'todo-app:port-forward']);
  ws.write(project, original);
  // The task gives up and nx ends (Nx 23 reports a continuous task's failure with exit 0).
  expect((Date.now() - started) / 1000).toBeLessThan(45);
  expect(errorLine(run.output, 'todo-app:port-forward')).toMatch(/todo-missing.*Fix: /);
  await deployOk('after the failed port-forward');
});
