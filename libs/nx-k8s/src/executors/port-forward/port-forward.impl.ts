import { ExecutorContext, logger } from '@nx/devkit';
import { HelmNotFoundError } from '../../adapters/helm';
import { ProgramNotFoundError, run } from '../../adapters/run';
import { clusterIdentity, connect } from '../../cluster';
import { ForwardSet, forwardsOf, onFreePorts } from '../../forward';
import { mask } from '../../secrets';
import { logFor, untilStopped } from '../context';
import { normalizePortForwardOptions } from './normalize';
import { PortForwardExecutorSchema } from './schema';

export default async function* portForward(options: PortForwardExecutorSchema, context: ExecutorContext): AsyncGenerator<{ success: boolean }> {
  const log = logFor(context);
  const fail = (message: string) => logger.error(mask(`nx-k8s ${context.projectName}:${context.targetName}: ${message}`));
  let set: ForwardSet;
  try {
    const o = normalizePortForwardOptions(options, context);
    const cluster = connect(o, process.env, run);
    await clusterIdentity(cluster);
    const target = {
      root: context.root,
      project: context.projectName!,
      target: context.targetName!,
      release: o.release,
      namespace: o.namespace,
      context: cluster.context.name,
    };
    const specs = await onFreePorts(await forwardsOf(target, o.forwards, log), log);
    set = new ForwardSet(target, specs, cluster.kubectl, log, { readyTimeoutMs: o.readyTimeoutMs });
  } catch (e) {
    fail((e instanceof ProgramNotFoundError && e.program === 'helm' ? new HelmNotFoundError() : (e as Error)).message);
    yield { success: false };
    return;
  }

  // No kubectl may outlive this task, however it ends.
  const { stopped, dispose } = untilStopped(() => set.killNow());
  const ended = async (message: string | null) => {
    await set.stop();
    dispose();
    if (message) fail(message);
  };

  const opened = await Promise.race([set.open(), stopped.then(() => ({ kind: 'stopped' as const }))]);
  if (opened.kind !== 'ready') {
    await ended(opened.kind === 'failed' ? opened.message : null);
    yield { success: false };
    return;
  }
  try {
    yield { success: true };
    // A forward that has been ready reconnects until stopped; it never gives up.
    const last = await Promise.race([stopped.then(() => null), set.gaveUp]);
    await ended(last);
  } finally {
    // Also when Nx ends the task by closing this generator.
    await set.stop();
    dispose();
  }
}
