// Follows the release's pods' logs: lists the release's pods every second (one kubectl call per
// namespace, pods found by owner from the release's manifest, as the rollout check finds
// them) and runs one `kubectl logs -f --timestamps` per container instance, so a new pod or a
// restarted container shows up without restarting anything. Lines are masked (secrets) by the
// caller's print.
import { createInterface } from 'readline';
import { Kubectl } from '../adapters/kubectl';
import { Spawned, Spawner, spawnProgram } from '../adapters/run';
import { listWorkloads } from '../release/rollout';
import { WorkloadRef } from '../release/workloads';
import { colorFor, formatLine, splitTimestamp, timeKey } from './line';
import { appOf, Instance, instances, toFollow } from './plan';

export interface FollowSpec {
  workloads: WorkloadRef[];
  apps: ReadonlyArray<{ project: string; repository: string }>;
  /** Only these apps' pods; null: all of the release's. */
  only: string[] | null;
  /** kubectl's --since (10m, 1h) for the instances running when the task starts; null: all their lines (or tail). */
  since: string | null;
  /** Lines of each running instance to show at the start; null: all; 0: only what they log once the task has started. */
  tail: number | null;
  pollMs?: number;
}

export class LogFollower {
  private readonly streams = new Map<string, Spawned>();
  private readonly ended = new Set<string>();
  private readonly lastAt = new Map<string, string>();
  private readonly palette: string[] = [];
  private stopped = false;
  private first = true;
  /** When the task started: with tail 0, the lines from then on (kubectl attaches later, and --tail=0 would drop what came in between). */
  private readonly startedAt = new Date().toISOString();

  constructor(
    private readonly kubectl: Kubectl,
    private readonly spec: FollowSpec,
    private readonly print: (line: string) => void,
    private readonly note: (line: string) => void,
    private readonly spawn: Spawner = spawnProgram,
  ) {}

  /** Polls until stop(); resolves once the first round of streams has started. */
  async start(): Promise<void> {
    await this.poll();
    void this.loop();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      await new Promise((r) => setTimeout(r, this.spec.pollMs ?? 1000));
      if (this.stopped) return;
      await this.poll().catch((e: Error) => this.note(`listing pods failed (${e.message.split('\n')[0]}); trying again`));
    }
  }

  private async poll(): Promise<void> {
    const { replicaSets, pods } = await listWorkloads(this.kubectl, this.spec.workloads, true);
    const deploymentOf = new Map(replicaSets.map((rs) => [rs.metadata?.name, rs.metadata?.ownerReferences?.[0]?.name]));
    // The workload a pod belongs to: its owner, or the Deployment owning its ReplicaSet.
    const workload = (p: (typeof pods)[number]) => {
      const o = p.metadata.ownerReferences?.[0];
      return o ? ((o.kind === 'ReplicaSet' ? deploymentOf.get(o.name) : undefined) ?? o.name) : p.metadata.name;
    };
    const current = instances(pods.filter((p) => !p.metadata.deletionTimestamp).map((pod) => ({ pod, app: appOf(pod, this.spec.apps, workload(pod)) })));
    for (const i of toFollow(current, new Set(this.streams.keys()), this.ended, this.spec.only)) this.follow(i, this.first);
    this.first = false;
  }

  private follow(i: Instance, atStart: boolean): void {
    const args = ['logs', '-f', '--timestamps', i.pod, '-n', i.namespace, '-c', i.container];
    // Lines at or before `after` were printed already (a resumed stream) or came before the
    // task (tail 0). The API takes whole seconds; the rest is dropped here.
    const after = this.lastAt.get(i.id) ?? (atStart && this.spec.tail === 0 ? this.startedAt : null);
    if (after) {
      this.lastAt.set(i.id, after);
      args.push(`--since-time=${after}`);
    } else if (atStart) {
      if (this.spec.since) args.push(`--since=${this.spec.since}`);
      if (this.spec.tail !== null) args.push(`--tail=${this.spec.tail}`);
    }
    const from = after && timeKey(after);
    const child = this.spawn(['kubectl', ...this.kubectl.argv(args)]);
    this.streams.set(i.id, child);
    const color = colorFor(i.app, this.palette);
    createInterface({ input: child.stdout }).on('line', (raw) => {
      const { at, text } = splitTimestamp(raw);
      // --since-time gives the lines up to `after` too.
      if (at && from && timeKey(at) <= from) return;
      if (at) this.lastAt.set(i.id, at);
      this.print(formatLine(i.app, i.pod, i.container, text, color));
    });
    child.on('exit', () => {
      this.streams.delete(i.id);
      // The instance ended (its pod went away or the container restarted): a new one is a new ID.
      this.ended.add(i.id);
    });
  }

  /** After an upgrade: the release's workloads now (a workload added or removed by the chart). */
  setWorkloads(workloads: WorkloadRef[]): void {
    this.spec.workloads = workloads;
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.streams.values()) {
      s.kill('SIGTERM');
      setTimeout(() => s.exitCode === null && s.signalCode === null && s.kill('SIGKILL'), 2000).unref();
    }
  }

  /** Synchronous kill for process exit handlers. */
  killNow(): void {
    for (const s of this.streams.values()) if (s.exitCode === null && s.signalCode === null) s.kill('SIGKILL');
  }
}
