// The deploy graph on real minikube (v1.38.1, unmodified, --driver=none; built and started by
// tools/minikube, since nothing can be downloaded). With the none driver the host is the node:
// its Docker, which builds the images, is the node's runtime. The plugin finds minikube from the
// kube context (minikube's kubeconfig extension), asks `minikube image ls` whether an image is
// there and runs `minikube image load` / `image tag` when not, checking the listing after.
import execa from 'execa';
import { existsSync, readFileSync } from 'fs';
import { Minikube } from '../../../libs/nx-k8s/src/adapters/minikube';
import { run as runner } from '../../../libs/nx-k8s/src/adapters/run';
import { loadImage } from '../../../libs/nx-k8s/src/load';
import { ClusterView } from './support/cluster';
import { forwardSurvivesPodReplacement } from './support/forward';
import { viaForward } from './support/http';
import { deploy, noOpKeepsPods, oneAppChanged, workOf } from './support/scenarios';
import { localCluster, minikubeCluster, Workspace } from './support/workspace';
import { LOAD, RELEASE, CLUSTER_WORK } from './support/todo-tasks';

const PATH = `/var/cache/nx-k8s/bin:${process.env.PATH}`;
const target = { kind: 'minikube' as const, profile: 'minikube' };

let ws: Workspace;
let cluster: ClusterView;
let kubeconfig: string;
const summary: string[] = [];
/** /etc/docker/daemon.json, which minikube rewrites (null: there is none). */
const daemonJson = () => (existsSync('/etc/docker/daemon.json') ? readFileSync('/etc/docker/daemon.json', 'utf8') : null);
let daemonJsonBefore: string | null;
/** The host's KUBE-* iptables chains (kube-proxy's and the kubelet's), which minikube's add. */
const kubeChains = async () =>
  (await execa('iptables-save')).stdout
    .split('\n')
    .filter((l) => l.startsWith(':KUBE-'))
    .map((l) => l.split(' ')[0])
    .sort();
let chainsBefore: string[];

const imageRecord = (project: string) => JSON.parse(ws.read(`dist/nx-k8s/${project}/image.json`)) as { ref: string; id: string };
const dockerId = async (ref: string) => (await execa('docker', ['image', 'inspect', '-f', '{{.Id}}', ref], { reject: false })).stdout || null;
const k8sContainers = async () => (await execa('docker', ['ps', '-aq', '--filter', 'name=^k8s_'])).stdout.split('\n').filter(Boolean);

async function up() {
  await execa('bash', [minikubeCluster, 'up'], { stdio: 'inherit' });
  kubeconfig = (await execa('bash', [minikubeCluster, 'kubeconfig'])).stdout.trim();
  cluster = new ClusterView(kubeconfig, '');
}

beforeAll(async () => {
  // The none driver takes the host's kubelet ports and paths: the embedded cluster steps aside
  // (the next spec's clusterUp brings it back).
  await execa('bash', [localCluster, 'down'], { stdio: 'inherit' });
  // From no minikube at all, so the host's files before it are known.
  await execa('bash', [minikubeCluster, 'down'], { stdio: 'inherit' });
  daemonJsonBefore = daemonJson();
  chainsBefore = await kubeChains();
  await up();
  await execa('helm', ['uninstall', 'todo-app', '-n', 'default', '--wait'], { env: { ...process.env, KUBECONFIG: kubeconfig, PATH }, reject: false });
  ws = new Workspace(kubeconfig);
});

afterAll(async () => {
  console.log(`\nminikube scenario summary\n${summary.join('\n')}\n`);
  ws?.remove();
  await execa('bash', [minikubeCluster, 'down'], { stdio: 'inherit' });
});

test("the kube context is minikube's own: named minikube, with minikube's extension", async () => {
  const config = JSON.parse(await cluster.kubectl(['config', 'view', '-o', 'json'])) as any;
  expect(config['current-context']).toBe('minikube');
  const ext = config.contexts.find((c: any) => c.name === 'minikube').context.extensions;
  expect(ext).toEqual([expect.objectContaining({ name: 'context_info', extension: expect.objectContaining({ provider: 'minikube.sigs.k8s.io' }) })]);
});

test("minikube docker-env is refused by the none driver (the plugin never uses it: it loads from the host's Docker)", async () => {
  const r = await execa('minikube', ['-p', 'minikube', 'docker-env'], { env: { ...process.env, PATH }, reject: false });
  expect(r.exitCode).toBe(51);
  expect(r.stderr).toContain("'none' driver does not support 'minikube docker-env' command");
});

test('fresh deploy: builds, finds each image in the node (the Docker that built it) and installs', async () => {
  const run = await deploy(ws, summary, 'fresh deploy');
  expect(workOf(run)).toEqual([...CLUSTER_WORK].sort());
  expect(run.output).toMatch(/already present: todo-frontend:nx-[0-9a-f]+ in minikube profile minikube/);
  expect(await cluster.release()).toMatchObject({ status: 'deployed' });
  for (const p of ['frontend', 'backend']) {
    expect((await cluster.deploymentImages())[`todo-${p}`]).toBe(imageRecord(p).ref);
    expect(await cluster.replicas(`todo-${p}`)).toBeGreaterThan(0);
  }
});

test('no-op: every cluster task is a cache hit, same pods', async () => {
  await noOpKeepsPods(ws, cluster, summary);
});

test('one app changed: frontend build + load, one upgrade; backend pods untouched', async () => {
  await oneAppChanged(ws, cluster, summary, 'Todos (minikube)');
});

test('image removed from the node: the load runs (and rebuilds it, the node being the build daemon), the build task does not', async () => {
  const fe = imageRecord('frontend');
  // Untagged (the running pod keeps the image itself): `minikube image ls` no longer lists the name.
  await execa('docker', ['rmi', '-f', fe.ref]);
  expect(await dockerId(fe.ref)).toBeNull();
  const run = await deploy(ws, summary, 'image removed from the node');
  expect(workOf(run)).toEqual(['frontend:minikube-load']);
  expect(run.output).toContain(`${fe.ref} is not in Docker (Nx restored its record from cache): rebuilding it`);
  expect(await dockerId(fe.ref)).not.toBeNull();
  expect(workOf(await deploy(ws, summary, 'the next deploy'))).toEqual([]);
});

test('the adapter against real minikube: image load is checked by listing, image tag retags without a transfer', async () => {
  const mk = new Minikube(runner, 'minikube');
  const fe = imageRecord('frontend');
  // The ID Docker holds under the name now: the lost-image rebuild above may have given it a new one (image.json keeps the build's).
  const id = (await dockerId(fe.ref))!;
  // A load that cannot succeed: minikube exits 0 (runOk would throw otherwise); the plugin says what failed.
  const absent = 'nx-k8s-e2e-absent:1';
  const record = { ...JSON.parse(ws.read('dist/nx-k8s/frontend/image.json')), id };
  const unknown = { ...record, ref: absent, repository: 'nx-k8s-e2e-absent', tag: '1', id: `sha256:${'0'.repeat(64)}` };
  await expect(loadImage(unknown, target, runner)).rejects.toThrow(
    /^minikube -p minikube image load nx-k8s-e2e-absent:1 exited 0 but the profile does not list docker\.io\/library\/nx-k8s-e2e-absent:1\. Fix: /,
  );
  // The image ID held under another name only: minikube image tag, no transfer.
  await execa('docker', ['tag', fe.ref, 'nx-k8s-e2e-other:1']);
  await execa('docker', ['rmi', fe.ref]);
  expect(await loadImage(record, target, runner)).toBe('tagged (image ID already present, no transfer)');
  expect(await dockerId(fe.ref)).toBe(id);
  await execa('docker', ['rmi', 'nx-k8s-e2e-other:1']);
  // A real load: saved into minikube's cache, loaded into the node's runtime, listed after.
  await mk.load(fe.ref);
  expect((await mk.images()).find((i) => i.repoTags.includes(`docker.io/library/${fe.ref}`))?.id).toBe(id);
});

test('back and forth between two pages, from two clones sharing one Nx cache: the cluster follows every edit, no page built twice', async () => {
  const clones = [new Workspace(kubeconfig, true), new Workspace(kubeconfig, true)];
  const page = 'apps/frontend/app/page.tsx';
  const pristine = clones[0].read(page);
  const refs = new Map<string, string>();
  try {
    // Clone 0 and 1 alternate, each clone's page changing every time; each title is built once,
    // then comes back from the other clone's cache.
    for (const [i, title] of ['Todos (A)', 'Todos (B)', 'Todos (B)', 'Todos (A)', 'Todos (A)', 'Todos (B)'].entries()) {
      const w = clones[i % 2];
      w.write(page, pristine.replace('<h1>Todos</h1>', `<h1>${title}</h1>`));
      w.commit(`e2e: ${title}`);
      const run = await deploy(w, summary, `${title} from clone ${i % 2}`);
      const ref = (await cluster.deploymentImages())['todo-frontend'];
      if (refs.has(title)) {
        expect(ref).toBe(refs.get(title));
        expect(workOf(run)).not.toContain('frontend:docker-build');
      }
      refs.set(title, ref);
      expect(await dockerId(ref)).not.toBeNull();
      const html = await viaForward(kubeconfig, 'todo-frontend', 3000, async (b) => (await fetch(`${b}/`)).text());
      expect(html).toContain(title);
    }
    expect(refs.get('Todos (A)')).not.toBe(refs.get('Todos (B)'));
  } finally {
    for (const c of clones) c.remove();
  }
});

test('port-forward serves the app and survives a killed pod', async () => {
  summary.push(await forwardSurvivesPodReplacement(ws, cluster));
});

test('cluster deleted and recreated: every load runs again and the release is installed, no build', async () => {
  await execa('bash', [minikubeCluster, 'down'], { stdio: 'inherit' });
  // Nothing of it left: no pod container or process, the host's files and iptables chains as they were, no kubeconfig.
  expect(await k8sContainers()).toEqual([]);
  expect((await execa('pgrep', ['-af', '^(/var/lib/minikube/binaries/|[^ ]*/cri-dockerd )'], { reject: false })).stdout).toBe('');
  for (const f of ['/etc/init.d/kubelet', '/var/lib/minikube', '/etc/kubernetes', '/etc/cni/net.d/1-k8s.conflist', '/var/run/cri-dockerd.sock'])
    expect(existsSync(f) ? f : null).toBeNull();
  expect(daemonJson()).toBe(daemonJsonBefore);
  expect(await kubeChains()).toEqual(chainsBefore);
  expect(existsSync(kubeconfig)).toBe(false);
  await up();
  const run = await deploy(ws, summary, 'cluster recreated');
  expect(workOf(run)).toEqual([...LOAD, RELEASE].sort());
  expect(await cluster.release()).toMatchObject({ status: 'deployed' });
  expect(await cluster.replicas('todo-backend')).toBeGreaterThan(0);
});
