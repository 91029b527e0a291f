import { ExecutorContext, logger } from '@nx/devkit';
import { Helm, parseManifest } from '../../adapters/helm';
import { Kubectl } from '../../adapters/kubectl';
import { run } from '../../adapters/run';
import { clusterIdentity, connect } from '../../cluster';
import { Cycle } from '../../dev/cycle';
import { describeChange, describeCycle } from '../../dev/report';
import { WorkspaceWatcher } from '../../dev/watch';
import { ForwardSet, forwardsOf, onFreePorts } from '../../forward';
import { LogFollower } from '../../logs';
import { manifestWorkloads } from '../../release/workloads';
import { mask, nxDotenvFiles, readSecrets } from '../../secrets';
import { logFor, projectRoot, untilStopped } from '../context';
import { NormalizedDev, normalizeDevOptions } from './normalize';
import { DevExecutorSchema } from './schema';

const dim = (line: string) => (process.stdout.isTTY ? `\x1b[2m${line}\x1b[22m` : line);

/** The loop's moving parts, each stopped exactly once however dev ends. */
class Loop {
  private forwards: ForwardSet | null = null;
  private follower: LogFollower | null = null;
  private readonly cycle: Cycle;
  private queued: Set<string> | null = null;
  private running: Promise<void> | null = null;
  private n = 0;
  private ended = false;

  constructor(
    private readonly o: NormalizedDev,
    private readonly kubectl: Kubectl,
    private readonly contextName: string,
    private readonly taskTarget: string,
    private readonly log: (line: string) => void,
  ) {
    this.cycle = new Cycle(o.cycle, (line) => process.stdout.write(mask(dim(`  │ ${line}`)) + '\n'));
  }

  /** A burst of saves: a cycle now, or one more after the running one. */
  changed(files: string[] | null): void {
    if (this.ended) return;
    if (this.running) {
      this.queued = new Set([...(this.queued ?? []), ...(files ?? [])]);
      return;
    }
    this.running = this.runCycle(files).finally(() => {
      this.running = null;
      const next = this.queued;
      this.queued = null;
      if (next) this.changed([...next].sort());
    });
  }

  /** Resolves when no cycle runs. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async runCycle(files: string[] | null): Promise<void> {
    const n = ++this.n;
    const { project, target, configuration } = this.o.cycle;
    this.log(`cycle ${n} (${describeChange(files)}): nx run ${project}:${target}${configuration ? `:${configuration}` : ''}`);
    const r = await this.cycle.run();
    if (r.stopped || this.ended) return;
    this.log(describeCycle(n, files, r, this.o.stages));
    if (r.ok) await this.attach().catch((e: Error) => this.log(`after cycle ${n}: ${e.message}`));
  }

  /** After a deploy: forwards and logs for the release as it is now. */
  private async attach(): Promise<void> {
    const { release, namespace } = this.o.release;
    const helm = new Helm(run, this.contextName);
    const info = await helm.status(release, namespace);
    if (!info || this.ended) return;
    const workloads = manifestWorkloads(parseManifest(info.manifest), namespace);
    if (this.o.logs) {
      if (this.follower) this.follower.setWorkloads(workloads);
      else {
        this.follower = new LogFollower(
          this.kubectl,
          { workloads, apps: this.o.release.apps, only: null, since: null, tail: 10 },
          (line) => process.stdout.write(mask(line) + '\n'),
          this.log,
        );
        await this.follower.start();
      }
    }
    const f = this.o.forward;
    if (!f) return;
    const t = { root: this.o.cycle.root, project: this.o.cycle.project, target: this.taskTarget, release, namespace, context: this.contextName };
    const wanted = await forwardsOf(t, f.forwards, () => undefined);
    const key = (specs: Array<{ service: string; remotePort: number }>) => specs.map((s) => `${s.service}:${s.remotePort}`).join(' ');
    // The same Services: the running forwards reconnect to the new pods by themselves.
    if (this.forwards && key(this.forwards.specs) === key(wanted)) return;
    await this.forwards?.stop();
    if (this.ended) return;
    this.forwards = new ForwardSet(t, await onFreePorts(wanted, this.log), this.kubectl, this.log, { readyTimeoutMs: f.readyTimeoutMs });
    const opened = await this.forwards.open();
    if (opened.kind === 'failed') {
      this.log(`forwards not open: ${opened.message}`);
      await this.forwards.stop();
      this.forwards = null;
    }
  }

  async stop(): Promise<void> {
    this.ended = true;
    this.cycle.stop();
    this.follower?.stop();
    await Promise.all([this.idle(), this.forwards?.stop()]);
  }

  killNow(): void {
    this.ended = true;
    this.cycle.killNow();
    this.follower?.killNow();
    this.forwards?.killNow();
  }
}

export default async function* dev(options: DevExecutorSchema, context: ExecutorContext): AsyncGenerator<{ success: boolean }> {
  const log = logFor(context);
  const fail = (message: string) => logger.error(mask(`nx-k8s ${context.projectName}:${context.targetName}: ${message}`));
  let loop: Loop;
  let watcher: WorkspaceWatcher;
  try {
    const o = normalizeDevOptions(options, context);
    const helmInstall = o.release.helmInstall;
    // Read so that their values are masked in every line dev prints (nested run and logs included).
    readSecrets(helmInstall?.options.secrets ?? {}, process.env, {
      root: context.root,
      envFile: helmInstall?.options.envFile ?? '.env',
      nxDotenvFiles: nxDotenvFiles(projectRoot(context), helmInstall?.target ?? 'helm-install', o.release.configuration),
    });
    const cluster = connect(o.release, process.env, run);
    await clusterIdentity(cluster);
    loop = new Loop(o, cluster.kubectl, cluster.context.name, context.targetName!, log);
    watcher = new WorkspaceWatcher(
      { root: context.root, patterns: o.patterns, debounceMs: o.debounceMs },
      run,
      (files) => loop.changed(files),
      (m) => log(`watching: ${m}`),
    );
    const watched = await watcher.start();
    log(`watching ${watched.files} files in ${watched.dirs} directories: the inputs of ${o.stages.join(', ')}`);
    loop.changed(null);
  } catch (e) {
    fail((e as Error).message);
    yield { success: false };
    return;
  }

  // No nested nx, kubectl or helm may outlive this task, however it ends.
  const { stopped, dispose } = untilStopped(() => loop.killNow());
  try {
    yield { success: true };
    await stopped;
  } finally {
    watcher.close();
    await loop.stop();
    dispose();
  }
}
