// What dev watches, from the task graph itself: the tasks a deploy runs (its dependsOn, followed
// as Nx follows it) and the file inputs Nx hashes for them, so that a save re-runs the deploy
// exactly when it could change a hash. Pure.
import { ProjectConfiguration, TargetConfiguration, TargetDependencyConfig } from '@nx/devkit';
import { minimatch } from 'minimatch';
import { posix } from 'path';

type Input = NonNullable<TargetConfiguration['inputs']>[number];

export interface TaskRef {
  project: string;
  target: string;
}

export interface Graph {
  projects: Record<string, ProjectConfiguration>;
  /** project -> the projects it depends on (the project graph's edges). */
  dependencies: Record<string, string[]>;
  /** nx.json's namedInputs. */
  namedInputs: Record<string, Array<string | Input>>;
}

const key = (t: TaskRef) => `${t.project}:${t.target}`;

/** Every task `nx run <start>` runs, itself included, in dependency order. */
export function tasksOf(start: TaskRef, g: Graph): TaskRef[] {
  const seen = new Set<string>();
  const order: TaskRef[] = [];
  const visit = (t: TaskRef) => {
    if (seen.has(key(t)) || !g.projects[t.project]?.targets?.[t.target]) return;
    seen.add(key(t));
    for (const d of g.projects[t.project].targets![t.target].dependsOn ?? []) {
      const dep: TargetDependencyConfig = typeof d === 'string' ? (d.startsWith('^') ? { target: d.slice(1), dependencies: true } : { target: d }) : d;
      const projects =
        dep.dependencies || (typeof d === 'string' && d.startsWith('^'))
          ? (g.dependencies[t.project] ?? [])
          : dep.projects
            ? ([] as string[]).concat(dep.projects)
            : [t.project];
      for (const p of projects) visit({ project: p, target: dep.target });
    }
    order.push(t);
  };
  visit(start);
  return order;
}

/**
 * The workspace-relative globs of the files the tasks hash: positive ones, and `!` ones that
 * exclude. Named inputs are expanded (`^name` through the project's dependencies); runtime, env
 * and external-dependency inputs have no files.
 */
export function watchPatterns(tasks: TaskRef[], g: Graph): string[] {
  const out = new Set<string>();
  const expand = (project: string, inputs: Array<string | Input>, seen: Set<string>) => {
    const root = g.projects[project]?.root ?? '.';
    for (const input of inputs) {
      const text = typeof input === 'string' ? input : 'fileset' in input ? input.fileset : null;
      if (text !== null && /\{(projectRoot|workspaceRoot)\}/.test(text)) {
        const negated = text.startsWith('!');
        const path = (negated ? text.slice(1) : text).replace('{projectRoot}', root).replace('{workspaceRoot}', '.');
        out.add(`${negated ? '!' : ''}${posix.normalize(path)}`);
        continue;
      }
      const named = typeof input === 'string' ? input : 'input' in input ? (input.input as string) : null;
      if (!named) continue;
      const deps = named.startsWith('^') || (typeof input === 'object' && 'dependencies' in input && input.dependencies === true);
      const name = named.replace(/^\^/, '');
      for (const p of deps ? (g.dependencies[project] ?? []) : [project]) {
        const id = `${p}:${name}`;
        if (seen.has(id)) continue;
        const def = g.projects[p]?.namedInputs?.[name] ?? g.namedInputs[name];
        if (def) expand(p, def, new Set([...seen, id]));
      }
    }
  };
  for (const t of tasks) {
    const config = g.projects[t.project]?.targets?.[t.target];
    if (config?.executor === 'nx:noop') continue;
    // A target without inputs hashes Nx's default: every file of its project and of its dependencies.
    expand(t.project, config?.inputs ?? ['default', '^default'], new Set());
  }
  return [...out];
}

/** The part of a glob before its first wildcard: a directory to watch under (or the file itself). */
export function staticPrefix(pattern: string): string {
  const parts = pattern.split('/');
  const i = parts.findIndex((p) => /[*?[\]{}!]/.test(p));
  return i === -1 ? pattern : parts.slice(0, i).join('/') || '.';
}

export function matcher(patterns: string[]): (path: string) => boolean {
  const positive = patterns.filter((p) => !p.startsWith('!'));
  const negative = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  const hit = (path: string, globs: string[]) => globs.some((g) => minimatch(path, g, { dot: true }) || path === g);
  return (path) => hit(path, positive) && !hit(path, negative);
}
