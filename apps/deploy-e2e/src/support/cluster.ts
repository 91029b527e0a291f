// What the cluster holds, read with the real kubectl, helm and ctr.
import execa from 'execa';
import { readFileSync } from 'fs';
import { kindCluster, localCluster } from './workspace';

export const STATE = '/var/lib/nx-k8s-cluster/cluster.json';

export async function clusterUp(): Promise<{ kubeconfig: string; containerdAddress: string }> {
  await execa('bash', [localCluster, 'up'], { stdio: 'inherit' });
  const kubeconfig = (await execa('bash', [localCluster, 'kubeconfig'])).stdout.trim();
  const info = JSON.parse(readFileSync(STATE, 'utf8')) as { containerdAddress: string };
  return { kubeconfig, containerdAddress: info.containerdAddress };
}

/** A kind cluster made by tools/kind (kind v0.32.0, the node image assembled here), and its node containers. */
export async function kindUp(workers = 1): Promise<{ kubeconfig: string; nodes: string[] }> {
  const env = { ...process.env, NX_K8S_KIND_WORKERS: String(workers) };
  await execa('bash', [kindCluster, 'up'], { stdio: 'inherit', env });
  const kubeconfig = (await execa('bash', [kindCluster, 'kubeconfig'])).stdout.trim();
  const nodes = (await execa('/var/cache/nx-k8s/bin/kind', ['get', 'nodes', '--name', 'nx-k8s'])).stdout.split('\n').filter(Boolean).sort();
  return { kubeconfig, nodes };
}

export class ClusterView {
  /** ctr's argv prefix for each node's containerd: the local node's socket, or `docker exec` into each kind node. */
  readonly nodeCtrs: string[][];

  constructor(
    readonly kubeconfig: string,
    readonly containerdAddress: string,
    readonly namespace = 'default',
    nodeCtrs?: string[][],
  ) {
    this.nodeCtrs = nodeCtrs ?? [['ctr', '--address', containerdAddress]];
  }

  static kind(kubeconfig: string, nodes: string[]): ClusterView {
    return new ClusterView(
      kubeconfig,
      '/run/containerd/containerd.sock',
      'default',
      nodes.map((n) => ['docker', 'exec', n, 'ctr']),
    );
  }

  private async ctr(node: string[], args: string[]): Promise<string> {
    const [cmd, ...prefix] = node;
    return (await execa(cmd, [...prefix, '-n', 'k8s.io', ...args])).stdout;
  }

  private env() {
    return { ...process.env, KUBECONFIG: this.kubeconfig, PATH: `/var/cache/nx-k8s/bin:${process.env.PATH}` };
  }

  async kubectl(args: string[]) {
    return (await execa('kubectl', args, { env: this.env() })).stdout;
  }

  /** app name -> sorted UIDs of its running pods. */
  async podUids(): Promise<Record<string, string[]>> {
    const pods = JSON.parse(await this.kubectl(['get', 'pods', '-n', this.namespace, '-l', 'app.kubernetes.io/instance=todo-app', '-o', 'json']))
      .items as any[];
    const out: Record<string, string[]> = {};
    for (const p of pods.filter((p) => !p.metadata.deletionTimestamp)) (out[p.metadata.labels['app.kubernetes.io/name']] ??= []).push(p.metadata.uid);
    for (const k of Object.keys(out)) out[k].sort();
    return out;
  }

  /** Deployment name -> container image. */
  async deploymentImages(): Promise<Record<string, string>> {
    const list = JSON.parse(await this.kubectl(['get', 'deployments', '-n', this.namespace, '-o', 'json'])).items as any[];
    return Object.fromEntries(list.map((d) => [d.metadata.name, d.spec.template.spec.containers[0].image]));
  }

  async replicas(deployment: string): Promise<number> {
    return Number(await this.kubectl(['get', 'deployment', deployment, '-n', this.namespace, '-o', 'jsonpath={.status.availableReplicas}']));
  }

  async release(name = 'todo-app'): Promise<{ revision: number; status: string } | null> {
    const r = await execa('helm', ['status', name, '-n', this.namespace, '-o', 'json'], { env: this.env(), reject: false });
    if (r.exitCode !== 0) return null;
    const s = JSON.parse(r.stdout);
    return { revision: s.version, status: s.info.status };
  }

  /** The image names every node holds. */
  async nodeImages(): Promise<string[]> {
    const lists = await Promise.all(this.nodeCtrs.map(async (n) => (await this.ctr(n, ['images', 'list', '-q'])).split('\n').filter(Boolean)));
    return lists.reduce((all, l) => all.filter((x) => l.includes(x)));
  }

  async removeFromNode(ref: string, nodes = this.nodeCtrs) {
    for (const n of nodes) await this.ctr(n, ['images', 'rm', ref]);
  }

  /** `ctr images ls` rows of the first node: [ref, type, manifest digest, ...]. */
  private async nodeRows(node = this.nodeCtrs[0]): Promise<string[][]> {
    return (await this.ctr(node, ['images', 'ls']))
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s+/));
  }

  /** The image ID the node holds under this name (the CRI's sha256:<id> name of the same manifest), or null. */
  async nodeImageId(ref: string): Promise<string | null> {
    const rows = await this.nodeRows();
    const digest = rows.find((r) => r[0] === ref)?.[2];
    return rows.find((r) => r[2] === digest && /^sha256:[0-9a-f]{64}$/.test(r[0]))?.[0] ?? null;
  }

  /** The image and every other name of the same content (another tag, the runtime's ID name), so a load has to transfer it. */
  async removeContentFromNode(ref: string, nodes = this.nodeCtrs) {
    for (const n of nodes) {
      const rows = await this.nodeRows(n);
      const digest = rows.find((r) => r[0] === ref)?.[2];
      const names = digest ? rows.filter((r) => r[2] === digest).map((r) => r[0]) : [ref];
      await this.ctr(n, ['images', 'rm', '--sync', ...names]);
    }
  }
}

/** kubectl processes still running (a port-forward must leave none). */
export async function kubectlProcesses(): Promise<string[]> {
  const r = await execa('pgrep', ['-a', '-f', 'kubectl.*port-forward'], { reject: false });
  return r.stdout.split('\n').filter(Boolean);
}
