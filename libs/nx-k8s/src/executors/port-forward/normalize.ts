import { ForwardSpec } from '../../forward/supervisor';
import { PortForwardExecutorSchema } from './schema';

export interface NormalizedPortForward {
  namespace: string;
  context?: string;
  /** Milliseconds a forward may take to answer on its health path before the task gives up. */
  readyTimeoutMs: number;
  /** The wanted forwards; the local port is still the wanted one (the executor picks a free one). */
  forwards: ForwardSpec[];
}

export function normalizePortForwardOptions(o: PortForwardExecutorSchema, project: string): NormalizedPortForward {
  const readyTimeout = o.readyTimeout ?? 120;
  if (!(readyTimeout > 0)) throw new Error(`readyTimeout ${readyTimeout} (option of ${project}:port-forward) is not a positive number of seconds. Fix: set it to e.g. 120`);
  const namespace = o.namespace ?? 'default';
  return {
    namespace,
    context: o.context,
    readyTimeoutMs: readyTimeout * 1000,
    forwards: o.forwards.map((f) => ({ service: f.service, namespace, remotePort: f.port, localPort: f.localPort ?? f.port, healthPath: f.healthPath ?? '/' })),
  };
}
