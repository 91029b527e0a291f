// kind adapter: the cluster's nodes and `kind load docker-image`. What each node's containerd
// holds is read through Docker (load/index.ts): kind has no command that lists images.
import { Runner, runOk } from './run';

/** kind's containerd socket inside every node container. */
export const KIND_NODE_CONTAINERD = '/run/containerd/containerd.sock';

/** `kind get nodes` prints one container name per line, and "No kind nodes found ..." on stderr when there are none. */
export function parseNodes(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

export class Kind {
  constructor(
    private readonly run: Runner,
    readonly cluster: string,
  ) {}

  async nodes(): Promise<string[]> {
    const nodes = parseNodes((await runOk(this.run, 'kind', ['get', 'nodes', '--name', this.cluster], { timeout: 30_000 })).stdout);
    if (nodes.length === 0)
      throw new Error(
        `kind cluster ${this.cluster} has no nodes. Fix: create it (kind create cluster --name ${this.cluster}) or point the kube context at a running cluster`,
      );
    return nodes;
  }

  /** `kind load docker-image` into these nodes only (kind saves the image once and imports it into each). */
  async load(ref: string, nodes: string[]): Promise<void> {
    await runOk(this.run, 'kind', ['load', 'docker-image', '--name', this.cluster, '--nodes', nodes.join(','), ref]);
  }
}
