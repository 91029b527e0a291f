// Options -> what to forward. The release and namespace default to the project's helm-install
// target (whatever it is named), so the forwards are read from the release it deployed without
// restating either.
import { ExecutorContext, TargetConfiguration } from '@nx/devkit';
import { ForwardSpec } from '../../forward/supervisor';
import { EXECUTORS } from '../context';
import { PortForwardExecutorSchema } from './schema';

export interface NormalizedPortForward {
  release: string;
  namespace: string;
  context?: string;
  /** Milliseconds a forward may take to answer on its health path before the task gives up. */
  readyTimeoutMs: number;
  /** The option forwards, or null: discover them from the release. The local port is still the wanted one (the executor picks a free one). */
  forwards: ForwardSpec[] | null;
}

export function normalizePortForwardOptions(o: PortForwardExecutorSchema, context: ExecutorContext): NormalizedPortForward {
  const project = context.projectName!;
  const readyTimeout = o.readyTimeout ?? 120;
  if (!(readyTimeout > 0))
    throw new Error(`readyTimeout ${readyTimeout} (option of ${project}:port-forward) is not a positive number of seconds. Fix: set it to e.g. 120`);
  const targets = context.projectsConfigurations?.projects[project]?.targets ?? {};
  const helmInstall = Object.values(targets).find((t) => t.executor === EXECUTORS.release) as
    TargetConfiguration<{ release?: string; namespace?: string }> | undefined;
  const namespace = o.namespace ?? helmInstall?.options?.namespace ?? 'default';
  return {
    release: o.release ?? helmInstall?.options?.release ?? project,
    namespace,
    context: o.context,
    readyTimeoutMs: readyTimeout * 1000,
    forwards:
      o.forwards?.map((f) => ({ service: f.service, namespace, remotePort: f.port, localPort: f.localPort ?? f.port, healthPath: f.healthPath ?? '/' })) ??
      null,
  };
}
