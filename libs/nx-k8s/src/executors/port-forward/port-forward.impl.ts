import { ExecutorContext, logger } from '@nx/devkit';
import { run } from '../../adapters/run';
import { clusterIdentity, connect } from '../../cluster';
import { choosePort } from '../../forward/ports';
import { ForwardEvent, ForwardSpec, Supervisor } from '../../forward/supervisor';
import { logFor } from '../context';
import { PortForwardExecutorSchema } from './schema';

export default async function* portForward(options: PortForwardExecutorSchema, context: ExecutorContext): AsyncGenerator<{ success: boolean }> {
  const log = logFor(context);
  const namespace = options.namespace ?? 'default';
  let cluster;
  try {
    cluster = connect(options, process.env, run);
    await clusterIdentity(cluster);
  } catch (e) {
    logger.error(`nx-k8s ${context.projectName}:${context.targetName}: ${(e as Error).message}`);
    yield { success: false };
    return;
  }

  const taken = new Set<number>();
  const specs: ForwardSpec[] = [];
  for (const f of options.forwards) {
    const wanted = f.localPort ?? f.port;
    const localPort = await choosePort(wanted, taken);
    taken.add(localPort);
    if (localPort !== wanted) log(`local port ${wanted} is busy: forwarding svc/${f.service} on ${localPort} instead`);
    specs.push({ service: f.service, remotePort: f.port, localPort, healthPath: f.healthPath ?? '/' });
  }

  let firstReady = 0;
  let allReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (allReady = r));
  const onEvent = (e: ForwardEvent) => {
    if (e.type === 'ready') {
      log(`${e.reconnect ? 'reconnected' : 'ready'}: ${e.url} -> svc/${e.spec.service}:${e.spec.remotePort} (${e.spec.healthPath} answers)`);
      if (!e.reconnect && ++firstReady === specs.length) allReady();
    } else {
      log(`svc/${e.spec.service}: ${e.why}; reconnecting`);
    }
  };
  const supervisors = specs.map((s) => new Supervisor(s, cluster.kubectl.portForwardArgv(namespace, `svc/${s.service}`, s.localPort, s.remotePort), onEvent));

  // No kubectl may outlive this task, however it ends.
  const killAll = () => supervisors.forEach((s) => s.killNow());
  process.once('exit', killAll);
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (stop = r));
  const onSignal = () => {
    supervisors.forEach((s) => s.stop());
    stop();
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, onSignal);

  log(`forwarding ${specs.map((s) => `svc/${s.service}:${s.remotePort} -> 127.0.0.1:${s.localPort}`).join(', ')} in namespace ${namespace}`);
  const running = Promise.all(supervisors.map((s) => s.run()));
  await Promise.race([ready, stopped]);
  log(`open: ${specs.map((s) => `http://127.0.0.1:${s.localPort} (${s.service})`).join('  ')}`);
  yield { success: true };
  await stopped;
  await running;
  killAll();
}
