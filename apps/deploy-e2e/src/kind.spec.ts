// The deploy graph on real kind (v0.32.0, unmodified; its node image assembled here by
// tools/kind, since nothing can be pulled): two nodes, so every load has to reach both.
// The plugin finds kind from the kube context (kind-nx-k8s), reads each node's containerd
// through Docker and runs `kind load docker-image` for the nodes that lack an image.
import execa from 'execa';
import { existsSync } from 'fs';
import { ClusterView, kindUp } from './support/cluster';
import { forwardSurvivesPodReplacement } from './support/forward';
import { deploy, noOpKeepsPods, oneAppChanged, workOf } from './support/scenarios';
import { kindCluster, Workspace } from './support/workspace';
import { LOAD, RELEASE, CLUSTER_WORK } from './support/todo-tasks';

let ws: Workspace;
let cluster: ClusterView;
let nodes: string[];
const summary: string[] = [];

const imageRecord = (project: string) => JSON.parse(ws.read(`dist/nx-k8s/${project}/image.json`)) as { ref: string; id: string };

async function up() {
  const c = await kindUp(1);
  nodes = c.nodes;
  cluster = ClusterView.kind(c.kubeconfig, nodes);
  return c;
}

beforeAll(async () => {
  const c = await up();
  await execa('helm', ['uninstall', 'todo-app', '-n', 'default', '--wait'], {
    env: { ...process.env, KUBECONFIG: c.kubeconfig, PATH: `/var/cache/nx-k8s/bin:${process.env.PATH}` },
    reject: false,
  });
  ws = new Workspace(c.kubeconfig);
});

afterAll(async () => {
  console.log(`\nkind scenario summary (nodes: ${nodes?.join(', ')})\n${summary.join('\n')}\n`);
  ws?.remove();
  // Two node containers would otherwise share the 2 cores with the specs after this one.
  await execa('bash', [kindCluster, 'down'], { stdio: 'inherit' });
});

test('fresh deploy: builds, loads into both nodes and installs', async () => {
  expect(nodes).toEqual(['nx-k8s-control-plane', 'nx-k8s-worker']);
  const run = await deploy(ws, summary, 'fresh deploy');
  expect(workOf(run)).toEqual([...CLUSTER_WORK].sort());
  expect(run.output).toMatch(/loaded: todo-frontend:nx-[0-9a-f]+ in kind cluster nx-k8s/);
  expect(await cluster.release()).toMatchObject({ status: 'deployed' });
  const held = await cluster.nodeImages();
  for (const p of ['frontend', 'backend']) {
    expect(held).toContain(`docker.io/library/${imageRecord(p).ref}`);
    expect((await cluster.deploymentImages())[`todo-${p}`]).toBe(imageRecord(p).ref);
  }
});

test('no-op: every cluster task is a cache hit, same pods', async () => {
  await noOpKeepsPods(ws, cluster, summary);
});

test('one app changed: frontend build + load, one upgrade; backend pods untouched', async () => {
  await oneAppChanged(ws, cluster, summary, 'Todos (kind)');
});

test('image removed from one node: the load runs (into that node), the build does not', async () => {
  const fe = imageRecord('frontend');
  const name = `docker.io/library/${fe.ref}`;
  const worker = cluster.nodeCtrs.filter((n) => n.includes('nx-k8s-worker'));
  await cluster.removeContentFromNode(name, worker);
  expect(await cluster.nodeImages()).not.toContain(name);
  const run = await deploy(ws, summary, 'image removed from the worker');
  expect(workOf(run)).toEqual(['frontend:minikube-load']);
  expect(run.output).toMatch(/loaded: todo-frontend:nx-[0-9a-f]+ in kind cluster nx-k8s/);
  expect(await cluster.nodeImages()).toContain(name);
  expect(workOf(await deploy(ws, summary, 'the next deploy'))).toEqual([]);
});

test('port-forward serves the app and survives a killed pod', async () => {
  summary.push(await forwardSurvivesPodReplacement(ws, cluster));
});

test('cluster deleted and recreated: every image loaded again and installed, no build', async () => {
  const dangling = async () => (await execa('docker', ['volume', 'ls', '-qf', 'dangling=true'])).stdout.split('\n').filter(Boolean);
  const before = await dangling();
  await execa('bash', [kindCluster, 'down'], { stdio: 'inherit' });
  // Nothing of it left: no node container (nor its /var volume), no network, no kubeconfig.
  expect((await execa('docker', ['ps', '-aq', '--filter', 'label=io.x-k8s.kind.cluster=nx-k8s'])).stdout).toBe('');
  expect((await execa('docker', ['network', 'ls', '-q', '--filter', 'name=^kind$'])).stdout).toBe('');
  expect((await dangling()).filter((v) => !before.includes(v))).toEqual([]);
  expect(existsSync(cluster.kubeconfig)).toBe(false);
  await up();
  const run = await deploy(ws, summary, 'cluster recreated');
  expect(workOf(run)).toEqual([...LOAD, RELEASE].sort());
  expect(await cluster.release()).toMatchObject({ status: 'deployed' });
  expect(await cluster.replicas('todo-backend')).toBeGreaterThan(0);
});
