// Which kind of cluster a kube context points at decides how images get into it.
// Pure: takes what was read from the kubeconfig and returns the decision.
import { CONTAINERD_EXTENSION, KubeContext } from './kubeconfig';

export const CLUSTER_KINDS = ['minikube', 'kind', 'containerd', 'registry', 'docker-desktop'] as const;
export type ClusterKind = (typeof CLUSTER_KINDS)[number];

export type ClusterTarget =
  | { kind: 'minikube'; profile: string }
  | { kind: 'kind'; name: string }
  | { kind: 'containerd'; address: string }
  | { kind: 'registry'; host: string }
  | { kind: 'docker-desktop' };

export interface DetectInput {
  forced?: string;
  context: KubeContext;
  /** Option containerdAddress: wins over the socket the kubeconfig's nx-k8s.io/containerd extension names. */
  containerdAddress?: string;
  /** Registry host from an option or from KEP-1755's local-registry-hosting ConfigMap. */
  registryHost?: string;
}

export class UnknownClusterKindError extends Error {}

/** Returns a target, or null when only the KEP-1755 ConfigMap could still tell (caller asks the cluster). */
export function detectCluster(i: DetectInput): ClusterTarget | null {
  const kind = i.forced && i.forced !== 'auto' ? i.forced : inferKind(i);
  switch (kind) {
    case 'minikube':
      return { kind, profile: i.context.name };
    case 'kind':
      return { kind, name: i.context.name.replace(/^kind-/, '') };
    case 'docker-desktop':
      return { kind };
    case 'containerd': {
      const address = containerdAddress(i);
      if (!address)
        throw new UnknownClusterKindError(
          `cluster kind containerd needs the node's containerd socket. Fix: set option containerdAddress (e.g. /run/containerd/containerd.sock), or give the cluster the ${CONTAINERD_EXTENSION} extension in its kubeconfig`,
        );
      return { kind, address };
    }
    case 'registry':
      return i.registryHost ? { kind, host: i.registryHost } : null;
    case undefined:
      return null;
    default:
      throw new UnknownClusterKindError(`unknown cluster kind '${kind}'. Fix: set option cluster to one of auto, ${CLUSTER_KINDS.join(', ')}`);
  }
}

function inferKind(i: DetectInput): string | undefined {
  const c = i.context;
  if (c.providers.includes('minikube.sigs.k8s.io') || c.name === 'minikube') return 'minikube';
  if (c.name.startsWith('kind-')) return 'kind';
  if (c.name === 'docker-desktop' || c.name === 'rancher-desktop') return 'docker-desktop';
  // A malformed extension still says containerd: its error beats a guess at another route.
  if (i.containerdAddress || c.containerd) return 'containerd';
  if (i.registryHost) return 'registry';
  return undefined;
}

/** The socket images are imported into: the option, else the cluster's kubeconfig extension. */
function containerdAddress(i: DetectInput): string | undefined {
  if (i.containerdAddress) return i.containerdAddress;
  const ext = i.context.containerd;
  if (ext && 'invalid' in ext) throw ext.invalid;
  return ext?.address;
}

/** KEP-1755 localRegistryHosting.v1 is YAML with `host:` (where to push from the host). */
export function registryHostFromHosting(yamlText: string): string | null {
  const m = /^\s*host:\s*"?([^"\s]+)"?\s*$/m.exec(yamlText);
  return m ? m[1] : null;
}

export function describe(t: ClusterTarget): string {
  switch (t.kind) {
    case 'minikube':
      return `minikube profile ${t.profile}`;
    case 'kind':
      return `kind cluster ${t.name}`;
    case 'containerd':
      return `containerd node at ${t.address}`;
    case 'registry':
      return `registry ${t.host}`;
    case 'docker-desktop':
      return 'docker-desktop (shares the Docker daemon)';
  }
}
