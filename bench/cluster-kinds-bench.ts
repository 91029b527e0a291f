// The load stage on each cluster kind this machine runs, in one run: the embedded cluster
// (containerd socket), kind (tools/kind, two nodes) and minikube (tools/minikube, none driver:
// the host's Docker is the node's runtime). For each:
//   - check: the hasher's "is the image in the cluster" (holdsImage), the cost of a load that is
//     skipped because the image is present; against the bare listing command (ctr images list,
//     or kind get nodes + ctr in each node);
//   - load: the plugin's loadImage of each app image after removing it from every node, against
//     the bare command a script would run (docker save | ctr import, or kind load docker-image).
//     On minikube's none driver an image cannot be in Docker and missing from the node, so the
//     load measured is the transfer itself: the adapter's `minikube image load` plus the listing
//     that checks it, against the bare `minikube image load`.
// Usage: node -r @swc-node/register bench/cluster-kinds-bench.ts [runs=7] [loadRuns=3] [kinds=embedded,kind,minikube]
// The images are the todo app's, built by any deploy (the newest todo-frontend/todo-backend tags in Docker).
import execa from 'execa';
import { appendFileSync, mkdirSync } from 'fs';
import { join } from 'path';
import { ClusterView, clusterUp, kindUp } from '../apps/deploy-e2e/src/support/cluster';
import { kindCluster, localCluster, minikubeCluster } from '../apps/deploy-e2e/src/support/workspace';
import { Minikube } from '../libs/nx-k8s/src/adapters/minikube';
import { run, Runner } from '../libs/nx-k8s/src/adapters/run';
import { ClusterTarget } from '../libs/nx-k8s/src/cluster/detect';
import { ImageRecord } from '../libs/nx-k8s/src/image/record';
import { holdsImage, loadImage } from '../libs/nx-k8s/src/load';
import { median } from './lib/timing';

const runs = Number(process.argv[2] ?? 7);
const loadRuns = Number(process.argv[3] ?? 3);
const kinds = (process.argv[4] ?? 'embedded,kind,minikube').split(',');
const PATH = `/var/cache/nx-k8s/bin:${process.env.PATH}`;
process.env.PATH = PATH;

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

async function newestImage(repository: string): Promise<ImageRecord> {
  const tag = (await execa('docker', ['images', repository, '--format', '{{.Tag}}'])).stdout.split('\n').find((t) => t.startsWith('nx-'));
  if (!tag) throw new Error(`no ${repository}:nx-* image in Docker. Fix: run npx nx run-many -t docker-build first`);
  const ref = `${repository}:${tag}`;
  const id = (await execa('docker', ['image', 'inspect', '-f', '{{.Id}}', ref])).stdout.trim();
  return { repository, tag, ref, id, digest: null, size: 0, created: '', layers: [], dockerfile: '', builder: 'legacy' };
}

interface Kind {
  name: string;
  target: ClusterTarget;
  /** The bare listing a script would run. */
  list: () => Promise<unknown>;
  /** The bare load a script would run. */
  load: (ref: string) => Promise<unknown>;
  /**
   * The plugin's load of an image the node lacks, and how to make the node lack it (with the
   * check it got there). Absent: there is no such state (minikube's none driver: Docker is the
   * node's runtime), so the plugin's transfer is timed as it is, the adapter's load plus the
   * listing that checks it.
   */
  view?: ClusterView;
}

const lines: string[] = [];
const say = (l: string) => (console.log(l), lines.push(l));

async function pluginTransfer(k: Kind, image: ImageRecord, fresh: Runner) {
  const name = `docker.io/library/${image.ref}`;
  if (k.view) {
    await k.view.removeContentFromNode(name);
    const t = await seconds(() => loadImage(image, k.target, fresh));
    if (!(await k.view.nodeImages()).includes(name)) throw new Error(`${k.name}: ${name} is not on every node after the plugin's load`);
    await k.view.removeContentFromNode(name);
    return t;
  }
  if (k.target.kind !== 'minikube') throw new Error(`${k.name}: no node view to measure a load with`);
  const mk = new Minikube(fresh, k.target.profile);
  return seconds(async () => {
    await mk.load(image.ref);
    if (!(await mk.images()).some((m) => m.id === image.id)) throw new Error(`${k.name}: ${image.ref} is not listed after its load`);
  });
}

async function measure(k: Kind, images: ImageRecord[]) {
  const first = { repository: images[0].repository, tag: images[0].tag, ref: images[0].ref };
  await loadImage(images[0], k.target, run);
  const check: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    // A runner of its own: one process reuses a node listing for 2 s, a new nx run does not.
    const fresh: Runner = (...a) => run(...a);
    check.push(await seconds(() => holdsImage(first, k.target, fresh)));
    bare.push(await seconds(k.list));
  }
  say(
    `${k.name.padEnd(22)} check (image present): plugin ${median(check).toFixed(3)} s, bare listing ${median(bare).toFixed(3)} s, plugin / bare ${(median(check) / median(bare)).toFixed(2)}x  [raw ${check.map((x) => x.toFixed(3)).join(' ')} | ${bare.map((x) => x.toFixed(3)).join(' ')}]`,
  );
  for (const image of images) {
    const name = `docker.io/library/${image.ref}`;
    const plugin: number[] = [];
    const script: number[] = [];
    for (let i = 0; i < loadRuns; i++) {
      plugin.push(await pluginTransfer(k, image, (...a) => run(...a)));
      script.push(await seconds(() => k.load(image.ref)));
    }
    if (k.view && !(await k.view.nodeImages()).includes(name)) throw new Error(`${k.name}: ${name} is not on every node after the bare load`);
    say(
      `${k.name.padEnd(22)} load ${image.repository} (${(await execa('docker', ['image', 'inspect', '-f', '{{.Size}}', image.ref])).stdout.trim().replace(/\d{6}$/, '')} MB): plugin ${median(plugin).toFixed(1)} s, bare ${median(script).toFixed(1)} s, plugin / bare ${(median(plugin) / median(script)).toFixed(2)}x  [raw ${plugin.map((x) => x.toFixed(1)).join(' ')} | ${script.map((x) => x.toFixed(1)).join(' ')}]`,
    );
  }
}

async function main() {
  const images = [await newestImage('todo-frontend'), await newestImage('todo-backend')];
  say(`cluster-kinds-bench ${new Date().toISOString()} runs=${runs} loadRuns=${loadRuns} images ${images.map((i) => i.ref).join(', ')}`);

  if (kinds.includes('embedded')) {
    const local = await clusterUp();
    const address = local.containerdAddress;
    await measure(
      {
        name: 'embedded (containerd)',
        target: { kind: 'containerd', address },
        view: new ClusterView(local.kubeconfig, address),
        list: () => execa('ctr', ['--address', address, '-n', 'k8s.io', 'images', 'list']),
        load: (ref) => execa('sh', ['-c', 'docker save "$1" | ctr --address "$2" -n k8s.io images import -', 'sh', ref, address]),
      },
      images,
    );
  }

  if (kinds.includes('kind')) {
    const upStart = Date.now();
    const kind = await kindUp(1);
    say(`kind up (2 nodes): ${((Date.now() - upStart) / 1000).toFixed(1)} s`);
    const readyStart = Date.now();
    await execa('bash', [kindCluster, 'up'], { env: { ...process.env, NX_K8S_KIND_WORKERS: '1' } });
    say(`kind up on a Ready cluster: ${((Date.now() - readyStart) / 1000).toFixed(1)} s`);
    await measure(
      {
        name: 'kind (2 nodes)',
        target: { kind: 'kind', name: 'nx-k8s' },
        view: ClusterView.kind(kind.kubeconfig, kind.nodes),
        list: async () => {
          const nodes = (await execa('kind', ['get', 'nodes', '--name', 'nx-k8s'])).stdout.split('\n').filter(Boolean);
          await Promise.all(nodes.map((n) => execa('docker', ['exec', n, 'ctr', '-n', 'k8s.io', 'images', 'list'])));
        },
        load: (ref) => execa('kind', ['load', 'docker-image', '--name', 'nx-k8s', ref]),
      },
      images,
    );
    await execa('bash', [kindCluster, 'down']);
  }

  if (kinds.includes('minikube')) {
    // minikube's none driver takes the host's kubelet ports: the embedded cluster steps aside
    // (and comes back after); up from no minikube at all.
    await execa('bash', [localCluster, 'down']);
    await execa('bash', [minikubeCluster, 'down']);
    const mkStart = Date.now();
    await execa('bash', [minikubeCluster, 'up']);
    say(`minikube up (none driver): ${((Date.now() - mkStart) / 1000).toFixed(1)} s`);
    const mkReady = Date.now();
    await execa('bash', [minikubeCluster, 'up']);
    say(`minikube up on a Ready cluster: ${((Date.now() - mkReady) / 1000).toFixed(1)} s`);
    // As the plugin runs it: with the kube context it detected minikube from.
    process.env.KUBECONFIG = (await execa('bash', [minikubeCluster, 'kubeconfig'])).stdout.trim();
    await measure(
      {
        name: 'minikube (none)',
        target: { kind: 'minikube', profile: 'minikube' },
        list: () => execa('minikube', ['-p', 'minikube', 'image', 'ls', '--format', 'json']),
        load: (ref) => execa('minikube', ['-p', 'minikube', 'image', 'load', '--daemon=true', ref]),
      },
      images,
    );
    delete process.env.KUBECONFIG;
    await execa('bash', [minikubeCluster, 'down']);
    await clusterUp();
  }
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  appendFileSync(join(__dirname, 'results', 'latest.txt'), `${lines.join('\n')}\n\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
