// The forward stage as one unit, for port-forward and dev alike: what to forward (the option's
// list or the release's Services), a free local port for each, one supervised kubectl per
// forward, and the forwards record once all of them answer.
import { Helm } from '../adapters/helm';
import { Kubectl } from '../adapters/kubectl';
import { run } from '../adapters/run';
import { describeDiscovered, releaseForwards } from './discover';
import { describeEvent, forwardAddress } from './messages';
import { choosePort } from './ports';
import { publishForwards, withdrawForwards } from './record';
import { ForwardEvent, ForwardOutcome, ForwardSpec, ForwardTiming, Supervisor } from './supervisor';

export { readForwards, waitForForwards } from './record';
export type { ForwardsRecord } from './record';

export interface ForwardTarget {
  root: string;
  project: string;
  target: string;
  release: string;
  namespace: string;
  context: string;
}

/** The forwards to open: the given ones, else every forwardable port of the release's Services. */
export async function forwardsOf(t: ForwardTarget, given: ForwardSpec[] | null, log: (line: string) => void): Promise<ForwardSpec[]> {
  if (given) return given;
  const manifest = await new Helm(run, t.context).manifest(t.release, t.namespace);
  const found = releaseForwards(manifest, { release: t.release, namespace: t.namespace, context: t.context, project: t.project, target: t.target });
  log(describeDiscovered(found, t.release));
  return found;
}

/** The same forwards on free local ports: the wanted one when free, else the next free one (said). */
export async function onFreePorts(forwards: ForwardSpec[], log: (line: string) => void): Promise<ForwardSpec[]> {
  const taken = new Set<number>();
  const out: ForwardSpec[] = [];
  for (const f of forwards) {
    const localPort = await choosePort(f.localPort, taken);
    taken.add(localPort);
    if (localPort !== f.localPort) log(`local port ${f.localPort} is busy: forwarding svc/${f.service} on ${localPort} instead`);
    out.push({ ...f, localPort });
  }
  return out;
}

export type OpenResult = { kind: 'ready' } | { kind: 'failed'; message: string } | { kind: 'stopped' };

export class ForwardSet {
  private readonly supervisors: Supervisor[];
  private readonly outcomes: Array<Promise<ForwardOutcome>> = [];
  private stopSignal: () => void = () => undefined;
  private readonly stopped = new Promise<void>((r) => (this.stopSignal = r));
  private allReady: () => void = () => undefined;
  private readonly ready = new Promise<void>((r) => (this.allReady = r));
  private giveUp: (message: string) => void = () => undefined;
  /** The first forward's message when it gives up (only one that never became ready can). */
  readonly gaveUp = new Promise<string>((r) => (this.giveUp = r));

  constructor(
    readonly target: ForwardTarget,
    readonly specs: ForwardSpec[],
    kubectl: Kubectl,
    private readonly log: (line: string) => void,
    timing: Partial<ForwardTiming>,
  ) {
    let firstReady = 0;
    const onEvent = (e: ForwardEvent) => {
      log(describeEvent(e));
      if (e.type === 'ready' && !e.reconnect && ++firstReady === specs.length) this.publish();
    };
    this.supervisors = specs.map(
      (s) => new Supervisor(s, kubectl.portForwardArgv(s.namespace, `svc/${s.service}`, s.localPort, s.remotePort), onEvent, timing),
    );
  }

  private publish(): void {
    const t = this.target;
    publishForwards(t.root, {
      project: t.project,
      release: t.release,
      namespace: t.namespace,
      context: t.context,
      pid: process.pid,
      openedAt: new Date().toISOString(),
      forwards: this.specs.map((s) => ({ service: s.service, remotePort: s.remotePort, localPort: s.localPort, url: forwardAddress(s) })),
      urls: Object.fromEntries([...this.specs].reverse().map((s) => [s.service, forwardAddress(s)])),
    });
    this.allReady();
  }

  /** Starts every forward; resolves when all answer, one gives up, or stop() comes first. */
  async open(): Promise<OpenResult> {
    // A record left by a killed forward would tell a dependent that these ports serve.
    withdrawForwards(this.target.root, this.target.project);
    const s = this.specs;
    this.log(`forwarding ${s.map((f) => `svc/${f.service}:${f.remotePort} -> 127.0.0.1:${f.localPort}`).join(', ')} in namespace ${this.target.namespace}`);
    for (const sup of this.supervisors) {
      const outcome = sup.run();
      outcome.then((r) => r.kind === 'failed' && this.giveUp(r.message));
      this.outcomes.push(outcome);
    }
    const first = await Promise.race([
      this.ready.then((): OpenResult => ({ kind: 'ready' })),
      this.stopped.then((): OpenResult => ({ kind: 'stopped' })),
      this.gaveUp.then((message): OpenResult => ({ kind: 'failed', message })),
    ]);
    if (first.kind === 'ready') this.log(`open: ${s.map((f) => `${forwardAddress(f)} (${f.service})`).join('  ')}`);
    return first;
  }

  /** Withdraws the record and stops every kubectl; resolves when all have ended. */
  async stop(): Promise<void> {
    // First, while nothing can interrupt it: a task being stopped may be killed before its kubectl have ended.
    withdrawForwards(this.target.root, this.target.project);
    this.supervisors.forEach((s) => s.stop());
    this.stopSignal();
    await Promise.all(this.outcomes);
  }

  /** Synchronous, for process exit handlers: no kubectl may outlive the task. */
  killNow(): void {
    this.supervisors.forEach((s) => s.killNow());
    withdrawForwards(this.target.root, this.target.project);
  }
}
