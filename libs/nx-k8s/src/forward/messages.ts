// What the forward stage says, rendered from its events and outcomes. Pure, so every line
// is tested without a terminal or a cluster.
import { classifyFailure } from '../adapters/kubectl';
import type { ForwardEvent, ForwardSpec } from './supervisor';

const seconds = (ms: number) => (ms % 1000 === 0 ? String(ms / 1000) : (ms / 1000).toFixed(ms < 1000 ? 2 : 1));

/** Where a forward listens: a URL when it is checked over HTTP; host:port when only TCP is known to work. */
export function forwardAddress(spec: ForwardSpec): string {
  return spec.healthPath === null && !spec.http ? `127.0.0.1:${spec.localPort}` : `http://127.0.0.1:${spec.localPort}`;
}

/** What the readiness check asks: the health URL, or the address a TCP connection goes to. */
export function checkedAt(spec: ForwardSpec): string {
  return `${forwardAddress(spec)}${spec.healthPath ?? ''}`;
}

/** How to fix a kubectl port-forward that never got to "Forwarding from", from its last words. */
export function startFix(spec: ForwardSpec, lastError: string): string {
  const svc = `Service ${spec.service} in namespace ${spec.namespace}`;
  if (/could not start|ENOENT/.test(lastError)) return 'install kubectl and put it on PATH (https://kubernetes.io/docs/tasks/tools/)';
  const failure = classifyFailure(lastError);
  if (failure.kind === 'certificate')
    return "refresh the kubeconfig for this cluster (minikube update-context, kind export kubeconfig, or your cluster's own command)";
  if (failure.kind === 'unreachable') return 'start the cluster, or switch context (kubectl config use-context)';
  if (/\(NotFound\)|not found/i.test(lastError))
    return `deploy the release that creates ${svc} (kubectl get svc -n ${spec.namespace} lists what is there), or correct forwards[].service`;
  if (/pod is not running|does not have any active|no endpoints|Pending/i.test(lastError))
    return `check the pods behind ${svc} (kubectl get pods -n ${spec.namespace}, kubectl describe svc ${spec.service} -n ${spec.namespace})`;
  if (/address already in use|unable to listen/i.test(lastError)) return `free local port ${spec.localPort}, or set forwards[].localPort`;
  if (/forbidden/i.test(lastError))
    return `ask for permission to port-forward in namespace ${spec.namespace} (kubectl auth can-i create pods/portforward -n ${spec.namespace})`;
  return `check ${svc} and its pods (kubectl describe svc ${spec.service} -n ${spec.namespace})`;
}

export function startFailure(spec: ForwardSpec, attempts: number, elapsedSeconds: number, lastError: string): string {
  return `svc/${spec.service}: kubectl port-forward keeps failing (${lastError}) after ${attempts} attempt${attempts === 1 ? '' : 's'} in ${elapsedSeconds} s. Fix: ${startFix(spec, lastError)}`;
}

export function readyFailure(spec: ForwardSpec, timeoutSeconds: number, last: string): string {
  if (spec.healthPath === null) {
    return (
      `svc/${spec.service}: ${checkedAt(spec)} did not accept a TCP connection through the forward within ${timeoutSeconds} s (last: ${last}). ` +
      `Fix: check that the pods behind svc/${spec.service} accept connections on the port its port ${spec.remotePort} targets (kubectl describe svc ${spec.service} -n ${spec.namespace}, kubectl logs -n ${spec.namespace} svc/${spec.service}), give option forwards with a healthPath, or raise readyTimeout`
    );
  }
  return (
    `svc/${spec.service}: http://127.0.0.1:${spec.localPort}${spec.healthPath} did not answer below HTTP 400 within ${timeoutSeconds} s (last: ${last}). ` +
    `Fix: check that the app serves ${spec.healthPath} (kubectl logs -n ${spec.namespace} svc/${spec.service}), correct forwards[].healthPath, or raise readyTimeout`
  );
}

export function describeEvent(e: ForwardEvent): string {
  switch (e.type) {
    case 'ready':
      return `${e.reconnect ? 'reconnected' : 'ready'}: ${e.url} -> svc/${e.spec.service}:${e.spec.remotePort} (${e.spec.healthPath === null ? 'accepts TCP connections' : `${e.spec.healthPath} answers`})`;
    case 'lost':
      return e.everReady
        ? `svc/${e.spec.service}: ${e.why}; reconnecting in ${seconds(e.retryInMs)} s`
        : `svc/${e.spec.service}: ${e.why}; retrying in ${seconds(e.retryInMs)} s (attempt ${e.attempt + 1})`;
    case 'waiting':
      return `svc/${e.spec.service}: waiting for ${e.url} to ${e.spec.healthPath === null ? 'accept a TCP connection' : 'answer'} (${e.seconds} s, last: ${e.last})`;
  }
}
