// What every executor needs from Nx's ExecutorContext, read in one place.
import { ExecutorContext, logger, ProjectConfiguration, TargetConfiguration } from '@nx/devkit';
import { ImageProject } from '../release/images';
import { noteOutcome } from '../records/outcomes';
import { mask } from '../secrets';

export const EXECUTORS = {
  build: 'nx-k8s:docker-build',
  load: 'nx-k8s:minikube-load',
  release: 'nx-k8s:helm-install',
  validate: 'nx-k8s:validate',
  forward: 'nx-k8s:port-forward',
  status: 'nx-k8s:status',
  logs: 'nx-k8s:logs',
  dev: 'nx-k8s:dev',
} as const;

/** The name and configuration of the project's target that runs `executor`, whatever it is named. */
export function targetRunning<T>(
  projects: Record<string, ProjectConfiguration>,
  project: string,
  executor: string,
): { name: string; config: TargetConfiguration<T> } | undefined {
  const targets = projects[project]?.targets ?? {};
  const name = Object.keys(targets).find((n) => targets[n].executor === executor);
  return name === undefined ? undefined : { name, config: targets[name] as TargetConfiguration<T> };
}

/** A target's options as Nx resolves them for a configuration (its own values replace the options', shallowly). */
export function optionsFor<T>(target: TargetConfiguration<T> | undefined, configuration?: string): T {
  const name = configuration ?? target?.defaultConfiguration;
  return { ...(target?.options ?? {}), ...((name ? target?.configurations?.[name] : undefined) ?? {}) } as T;
}

/** Every project that builds an image with this plugin, and the repository it builds (default: the project name). */
export function imageProjectsOf(projects: Record<string, ProjectConfiguration>): ImageProject[] {
  const out: ImageProject[] = [];
  for (const [project, config] of Object.entries(projects)) {
    const build = Object.values(config.targets ?? {}).find((t) => t.executor === EXECUTORS.build);
    if (build) out.push({ project, repository: (build.options as { repository?: string } | undefined)?.repository ?? project });
  }
  return out.sort((a, b) => a.project.localeCompare(b.project));
}

/** This task's Nx hash. Nx 24 gives a worker its hash only in the environment (its task graph carries none). */
export function taskHash(context: ExecutorContext): string | undefined {
  return process.env.NX_TASK_HASH || taskOf(context)?.hash;
}

function taskOf(context: ExecutorContext) {
  const tasks = Object.values(context.taskGraph?.tasks ?? {});
  return (
    tasks.find(
      (t) =>
        t.target.project === context.projectName &&
        t.target.target === context.targetName &&
        (t.target.configuration ?? undefined) === (context.configurationName ?? undefined),
    ) ?? tasks.find((t) => t.target.project === context.projectName && t.target.target === context.targetName)
  );
}

export function projectRoot(context: ExecutorContext): string {
  return context.projectsConfigurations!.projects[context.projectName!].root;
}

/** Log lines are prefixed with the project and masked: Nx caches terminal output. */
export function logFor(context: ExecutorContext): (line: string) => void {
  return (line) => logger.info(mask(`[${context.projectName}] ${line}`));
}

/**
 * Runs an executor body and turns an error into one clear line (no stack trace for expected
 * failures). The body returns what it did (built, loaded, upgraded ...), noted as its outcome.
 */
export async function report(context: ExecutorContext, body: () => Promise<string | void>): Promise<{ success: boolean }> {
  const started = Date.now();
  const task = `${context.projectName}:${context.targetName}`;
  const seconds = () => Math.round((Date.now() - started) / 100) / 10;
  try {
    const result = await body();
    noteOutcome(process.env, { task, result: result ?? 'done', seconds: seconds() });
    return { success: true };
  } catch (e) {
    const message = mask((e as Error).message);
    logger.error(`nx-k8s ${task}: ${message}`);
    if (context.isVerbose && (e as Error).stack) logger.error(mask((e as Error).stack!));
    noteOutcome(process.env, { task, result: 'failed', seconds: seconds(), message });
    return { success: false };
  }
}

/**
 * A continuous task's end: `stopped` resolves on SIGINT, SIGTERM or SIGHUP (handled for as long
 * as the task cleans up, so a second signal cannot kill it midway); `killNow` runs on process
 * exit so no child outlives the task however it ends. `dispose` removes both.
 */
export function untilStopped(killNow: () => void): { stopped: Promise<void>; dispose: () => void } {
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (stop = r));
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  process.once('exit', killNow);
  for (const sig of signals) process.on(sig, stop);
  return {
    stopped,
    dispose: () => {
      process.removeListener('exit', killNow);
      for (const sig of signals) process.removeListener(sig, stop);
    },
  };
}
