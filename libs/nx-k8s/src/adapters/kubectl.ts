// kubectl adapter. Every call names its context explicitly, so a `kubectl config
// use-context` in another terminal mid-run cannot send half a deploy elsewhere.
import { Runner } from './run';

export class ClusterUnreachableError extends Error {
  constructor(context: string, detail: string) {
    const reason = detail.trim().split('\n').filter(Boolean).pop() ?? 'no answer';
    super(`the cluster of kube context '${context}' does not answer (${reason}). Fix: start it (minikube start, or bash tools/local-cluster/local-cluster up) or switch context with kubectl config use-context`);
  }
}

export class Kubectl {
  constructor(
    private readonly run: Runner,
    readonly context: string,
  ) {}

  argv(args: string[]): string[] {
    return ['--context', this.context, ...args];
  }

  async json<T = any>(args: string[]): Promise<T> {
    const r = await this.run('kubectl', this.argv([...args, '-o', 'json']), { timeout: 30_000 });
    if (r.exitCode !== 0) {
      if (/refused|no such host|i\/o timeout|Unable to connect|dial tcp|ServiceUnavailable/i.test(r.stderr)) throw new ClusterUnreachableError(this.context, r.stderr);
      throw new Error(`kubectl ${args.join(' ')}: ${r.stderr.trim().split('\n').pop()}`);
    }
    return JSON.parse(r.stdout) as T;
  }

  /** The UID of namespace kube-system: it changes when the cluster is deleted and recreated. */
  async clusterId(): Promise<string> {
    const ns = await this.json<{ metadata: { uid: string } }>(['get', 'namespace', 'kube-system']);
    return ns.metadata.uid;
  }

  /** KEP-1755: a cluster that wants images pushed to a registry says so in this ConfigMap. */
  async localRegistryHosting(): Promise<string | null> {
    const r = await this.run('kubectl', this.argv(['get', 'configmap', 'local-registry-hosting', '-n', 'kube-public', '-o', 'jsonpath={.data.localRegistryHosting\\.v1}']), { timeout: 30_000 });
    if (r.exitCode !== 0) {
      if (/NotFound|not found/i.test(r.stderr)) return null;
      throw new ClusterUnreachableError(this.context, r.stderr);
    }
    return r.stdout.trim() || null;
  }

  async logs(namespace: string, pod: string, container: string, previous: boolean, tail = 20): Promise<string> {
    const args = ['logs', pod, '-n', namespace, '-c', container, `--tail=${tail}`];
    if (previous) args.push('--previous');
    const r = await this.run('kubectl', this.argv(args), { timeout: 15_000 });
    return r.exitCode === 0 ? r.stdout : '';
  }

  async warningEvents(namespace: string, name: string): Promise<any[]> {
    const list = await this.json<{ items: any[] }>(['get', 'events', '-n', namespace, '--field-selector', `involvedObject.name=${name},type=Warning`]);
    return list.items;
  }

  /** argv for `kubectl port-forward`, started and supervised by the forward stage. */
  portForwardArgv(namespace: string, target: string, localPort: number, remotePort: number): string[] {
    return ['kubectl', ...this.argv(['port-forward', '-n', namespace, '--address', '127.0.0.1', target, `${localPort}:${remotePort}`])];
  }
}

/** "Forwarding from 127.0.0.1:3000 -> 3000" -> 3000 */
export function parseForwardingLine(line: string): number | null {
  const m = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(line);
  return m ? Number(m[1]) : null;
}
