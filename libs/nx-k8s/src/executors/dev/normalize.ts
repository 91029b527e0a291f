// Options -> one dev loop: the release (as status reads it from helm-install), the deploy each
// cycle runs, the stages that deploy runs and the file patterns they hash (from the task graph),
// and the port-forward target's options for the forwards.
import { ExecutorContext } from '@nx/devkit';
import { Graph, tasksOf, watchPatterns } from '../../dev/inputs';
import { EXECUTORS, optionsFor, targetRunning } from '../context';
import { normalizePortForwardOptions, NormalizedPortForward } from '../port-forward/normalize';
import { PortForwardExecutorSchema } from '../port-forward/schema';
import { NormalizedStatus, normalizeStatusOptions } from '../status/normalize';
import { DevExecutorSchema } from './schema';

export interface NormalizedDev {
  release: NormalizedStatus;
  cycle: { root: string; project: string; target: string; configuration?: string };
  /** project:target of each stage the deploy runs (the plugin's executors), for the cycle summary. */
  stages: string[];
  patterns: string[];
  debounceMs: number;
  forward: NormalizedPortForward | null;
  logs: boolean;
}

const STAGES = new Set<string>([EXECUTORS.build, EXECUTORS.load, EXECUTORS.validate, EXECUTORS.release]);

export function normalizeDevOptions(o: DevExecutorSchema, context: ExecutorContext): NormalizedDev {
  const project = context.projectName!;
  const projects = context.projectsConfigurations!.projects;
  const release = normalizeStatusOptions({}, project, context.configurationName, projects, context.root);
  const target = o.deployTarget ?? 'deploy';
  if (!projects[project].targets?.[target])
    throw new Error(
      `option deployTarget names ${target}, which project ${project} does not have (${Object.keys(projects[project].targets ?? {}).join(', ')}). Fix: set deployTarget of ${project}:${context.targetName} to its deploy target`,
    );
  const debounceMs = o.debounce ?? 300;
  if (!(debounceMs >= 0)) throw new Error(`option debounce ${debounceMs} of ${project}:${context.targetName} is not a number of milliseconds. Fix: e.g. 300`);
  const dependencies: Record<string, string[]> = {};
  for (const [p, deps] of Object.entries(context.projectGraph?.dependencies ?? {})) dependencies[p] = deps.map((d) => d.target).filter((t) => projects[t]);
  const graph: Graph = { projects, dependencies, namedInputs: context.nxJsonConfiguration?.namedInputs ?? {} };
  const tasks = tasksOf({ project, target }, graph);
  const forward = targetRunning<PortForwardExecutorSchema>(projects, project, EXECUTORS.forward);
  return {
    release,
    cycle: { root: context.root, project, target, ...(release.configuration ? { configuration: release.configuration } : {}) },
    stages: tasks.filter((t) => STAGES.has(projects[t.project].targets![t.target].executor ?? '')).map((t) => `${t.project}:${t.target}`),
    patterns: watchPatterns(tasks, graph),
    debounceMs,
    forward: o.forward === false ? null : normalizePortForwardOptions(optionsFor(forward?.config, release.configuration), context),
    logs: o.logs !== false,
  };
}
