import { ExecutorContext, logger } from '@nx/devkit';
import { Helm, HelmNotFoundError } from '../../adapters/helm';
import { ProgramNotFoundError, run } from '../../adapters/run';
import { clusterIdentity, connect } from '../../cluster';
import { describeDiscovered, releaseForwards } from '../../forward/discover';
import { describeEvent, forwardAddress } from '../../forward/messages';
import { choosePort } from '../../forward/ports';
import { ForwardEvent, ForwardOutcome, ForwardSpec, Supervisor } from '../../forward/supervisor';
import { mask } from '../../secrets';
import { logFor } from '../context';
import { normalizePortForwardOptions } from './normalize';
import { PortForwardExecutorSchema } from './schema';

export default async function* portForward(options: PortForwardExecutorSchema, context: ExecutorContext): AsyncGenerator<{ success: boolean }> {
  const log = logFor(context);
  const fail = (message: string) => logger.error(mask(`nx-k8s ${context.projectName}:${context.targetName}: ${message}`));
  let o;
  let cluster;
  let forwards: ForwardSpec[];
  try {
    o = normalizePortForwardOptions(options, context);
    cluster = connect(o, process.env, run);
    await clusterIdentity(cluster);
    if (o.forwards) {
      forwards = o.forwards;
    } else {
      const manifest = await new Helm(run, cluster.context.name).manifest(o.release, o.namespace);
      forwards = releaseForwards(manifest, {
        release: o.release,
        namespace: o.namespace,
        context: cluster.context.name,
        project: context.projectName!,
        target: context.targetName!,
      });
      log(describeDiscovered(forwards, o.release));
    }
  } catch (e) {
    fail((e instanceof ProgramNotFoundError && e.program === 'helm' ? new HelmNotFoundError() : (e as Error)).message);
    yield { success: false };
    return;
  }

  const taken = new Set<number>();
  const specs: ForwardSpec[] = [];
  for (const f of forwards) {
    const localPort = await choosePort(f.localPort, taken);
    taken.add(localPort);
    if (localPort !== f.localPort) log(`local port ${f.localPort} is busy: forwarding svc/${f.service} on ${localPort} instead`);
    specs.push({ ...f, localPort });
  }

  let firstReady = 0;
  let allReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (allReady = r));
  const onEvent = (e: ForwardEvent) => {
    log(describeEvent(e));
    if (e.type === 'ready' && !e.reconnect && ++firstReady === specs.length) allReady();
  };
  const timing = { readyTimeoutMs: o.readyTimeoutMs };
  const supervisors = specs.map(
    (s) => new Supervisor(s, cluster.kubectl.portForwardArgv(s.namespace, `svc/${s.service}`, s.localPort, s.remotePort), onEvent, timing),
  );

  // No kubectl may outlive this task, however it ends.
  const killAll = () => supervisors.forEach((s) => s.killNow());
  const stopAll = () => supervisors.forEach((s) => s.stop());
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (stop = r));
  const onSignal = () => {
    stopAll();
    stop();
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  process.once('exit', killAll);
  for (const sig of signals) process.once(sig, onSignal);
  const cleanUp = () => {
    killAll();
    process.removeListener('exit', killAll);
    for (const sig of signals) process.removeListener(sig, onSignal);
  };

  log(`forwarding ${specs.map((s) => `svc/${s.service}:${s.remotePort} -> 127.0.0.1:${s.localPort}`).join(', ')} in namespace ${o.namespace}`);
  const outcomes: Array<Promise<ForwardOutcome>> = supervisors.map((s) => s.run());
  // The first forward to give up ends the task with its one line; the others are stopped.
  const gaveUp = new Promise<string>((resolve) => outcomes.forEach((p) => p.then((r) => r.kind === 'failed' && resolve(r.message))));
  const ended = async (message: string | null) => {
    stopAll();
    await Promise.all(outcomes);
    cleanUp();
    if (message) fail(message);
  };

  const first = await Promise.race([ready.then(() => 'ready' as const), stopped.then(() => 'stopped' as const), gaveUp]);
  if (first !== 'ready') {
    await ended(first === 'stopped' ? null : first);
    yield { success: false };
    return;
  }
  log(`open: ${specs.map((s) => `${forwardAddress(s)} (${s.service})`).join('  ')}`);
  try {
    yield { success: true };
    // A forward that has been ready reconnects until stopped; it never gives up.
    const last = await Promise.race([stopped.then(() => null), gaveUp]);
    await ended(last);
  } finally {
    // Also when Nx ends the task by closing this generator.
    stopAll();
    cleanUp();
  }
}
