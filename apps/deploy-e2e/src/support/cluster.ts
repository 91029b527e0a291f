// What the cluster holds, read with the real kubectl, helm and ctr.
import execa from 'execa';
import { readFileSync } from 'fs';
import { localCluster } from './workspace';

export const STATE = '/var/lib/nx-k8s-cluster/cluster.json';

export async function clusterUp(): Promise<{ kubeconfig: string; containerdAddress: string }> {
  await execa('bash', [localCluster, 'up'], { stdio: 'inherit' });
  const kubeconfig = (await execa('bash', [localCluster, 'kubeconfig'])).stdout.trim();
  const info = JSON.parse(readFileSync(STATE, 'utf8')) as { containerdAddress: string };
  return { kubeconfig, containerdAddress: info.containerdAddress };
}

export class ClusterView {
  constructor(
    readonly kubeconfig: string,
    readonly containerdAddress: string,
    readonly namespace = 'default',
  ) {}

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

  async nodeImages(): Promise<string[]> {
    return (await execa('ctr', ['--address', this.containerdAddress, '-n', 'k8s.io', 'images', 'list', '-q'])).stdout.split('\n').filter(Boolean);
  }

  async removeFromNode(ref: string) {
    await execa('ctr', ['--address', this.containerdAddress, '-n', 'k8s.io', 'images', 'rm', ref]);
  }

  /** `ctr images ls` rows: [ref, type, manifest digest, ...]. */
  private async nodeRows(): Promise<string[][]> {
    return (await execa('ctr', ['--address', this.containerdAddress, '-n', 'k8s.io', 'images', 'ls'])).stdout
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
  async removeContentFromNode(ref: string) {
    const rows = await this.nodeRows();
    const digest = rows.find((r) => r[0] === ref)?.[2];
    const names = digest ? rows.filter((r) => r[2] === digest).map((r) => r[0]) : [ref];
    await execa('ctr', ['--address', this.containerdAddress, '-n', 'k8s.io', 'images', 'rm', '--sync', ...names]);
  }
}

/** kubectl processes still running (a port-forward must leave none). */
export async function kubectlProcesses(): Promise<string[]> {
  const r = await execa('pgrep', ['-a', '-f', 'kubectl.*port-forward'], { reject: false });
  return r.stdout.split('\n').filter(Boolean);
}
