// The app generator's options, normalized once: what the project is (Node, Python, or an image
// project already), the repository the plugin will build for it, and where its chart goes.
import { readJson, readNxJson, readProjectConfiguration, Tree } from '@nx/devkit';
import { minimatch } from 'minimatch';
import { posix } from 'path';
import { repositoryProblem } from '../../../image/naming';
import { normalizePluginOptions, NormalizedPluginOptions, NxK8sPluginOptions } from '../../../plugins/lib/options';
import { instructions } from '../../../validate/rules/dockerfile';
import { imageRefViolations } from '../../../validate/rules/image';
import { AppGeneratorSchema } from '../schema';
import { releaseCharts } from './umbrella';

export type Runtime = 'node' | 'python';

export interface NormalizedAppOptions {
  project: string;
  /** The project's directory (workspace-relative, posix). */
  root: string;
  plugin: NormalizedPluginOptions;
  /** The Dockerfile the project already builds (kept as it is), or null: one is written to <root>/Dockerfile. */
  dockerfile: string | null;
  /** Null only when the project keeps its own Dockerfile. */
  runtime: Runtime | null;
  /** What the written Dockerfile installs from. */
  sources: { lockFile: boolean; requirements: boolean; installable: boolean };
  port: number;
  command: string[];
  baseImage: string;
  healthPath: string;
  /** The repository docker-build builds: its option, else the project name (as the plugin derives it). */
  repository: string;
  /** Options the generator sets on the project's docker-build target so the plugin builds what it wrote. */
  buildOptions: { repository?: string; dockerfile?: string };
  /** The subchart: a name Helm and Kubernetes accept, beside the umbrella. */
  chartName: string;
  chartDir: string;
  umbrellaDir: string;
  skipFormat: boolean;
}

const DEFAULTS: Record<Runtime, { baseImage: string; command: string }> = {
  node: { baseImage: 'node:20-slim', command: 'npm start' },
  python: { baseImage: 'python:3.11-slim', command: 'python main.py' },
};

/** A name Helm and Kubernetes accept (a DNS label): lowercase letters, digits and '-'. */
function dnsLabel(name: string): string {
  return name
    .toLowerCase()
    .replace(/^@/, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

/** A Docker repository for a project name ("@org/API" -> "org/api"). */
function repositoryFor(project: string): string {
  return project
    .toLowerCase()
    .replace(/^@/, '')
    .split('/')
    .map((c) =>
      c
        .replace(/[^a-z0-9._-]+/g, '-')
        .replace(/^[._-]+|[._-]+$/g, '')
        .replace(/[._-]{2,}/g, '-'),
    )
    .filter(Boolean)
    .join('/');
}

/** The plugin's nx.json entry: its options, and whether a file is one it infers from (the entry's include and exclude globs). */
function pluginEntry(tree: Tree): { plugin: NormalizedPluginOptions; infers: (file: string) => boolean } {
  const entry = (readNxJson(tree)?.plugins ?? []).find((p) => (typeof p === 'string' ? p : p.plugin) === 'nx-k8s');
  const o: { options?: unknown; include?: string[]; exclude?: string[] } = typeof entry === 'object' ? entry : {};
  const matches = (file: string, globs: string[]) => globs.some((g) => minimatch(file, g, { dot: true }));
  return {
    plugin: normalizePluginOptions(o.options as NxK8sPluginOptions | undefined),
    infers: (file) => (!o.include || matches(file, o.include)) && !matches(file, o.exclude ?? []),
  };
}

/** The Dockerfile the plugin would build for the project: its docker-build option, else one in its directory. */
function existingDockerfile(tree: Tree, root: string, named: unknown, plugin: NormalizedPluginOptions, where: string): string | null {
  if (typeof named === 'string') {
    if (!tree.exists(named))
      throw new Error(
        `${where} names dockerfile ${named}, which does not exist. Fix: create it, or remove the option so the generator writes ${posix.join(root, 'Dockerfile')}`,
      );
    return named;
  }
  const own = tree
    .children(root)
    .map((f) => posix.join(root, f))
    .filter((f) => tree.isFile(f) && minimatch(f, plugin.dockerfilePattern, { dot: true }));
  return own.sort()[0] ?? null;
}

/** The port a Dockerfile exposes (its last EXPOSE), if any. */
function exposedPort(text: string): number | undefined {
  const expose = instructions(text)
    .filter((i) => i.keyword === 'EXPOSE')
    .pop();
  const port = expose ? /^(\d+)/.exec(expose.args)?.[1] : undefined;
  return port ? Number(port) : undefined;
}

/** Python markers win: a Python project may keep a package.json only for Nx. */
function detectRuntime(tree: Tree, root: string): Runtime | null {
  if (['pyproject.toml', 'requirements.txt'].some((f) => tree.exists(posix.join(root, f)))) return 'python';
  if (tree.exists(posix.join(root, 'package.json'))) return 'node';
  return null;
}

function workspaceName(tree: Tree): string {
  const name = tree.exists('package.json') ? readJson<{ name?: string }>(tree, 'package.json').name : undefined;
  return dnsLabel(name ?? '') || 'workspace';
}

/** The umbrella's directory: the option (a directory, or a name under charts/), else the only release chart, else charts/<workspace>. */
function umbrellaDirOf(tree: Tree, option: string | undefined, chartName: string, infers: (file: string) => boolean): string {
  if (option) return option.includes('/') ? posix.normalize(option).replace(/\/+$/, '') : `charts/${option}`;
  // A chart named like the app's own would be the directory its subchart goes to.
  const candidates = releaseCharts(tree, infers).filter((dir) => posix.basename(dir) !== chartName);
  return candidates.length === 1 ? candidates[0] : `charts/${workspaceName(tree)}`;
}

export function normalizeOptions(tree: Tree, o: AppGeneratorSchema): NormalizedAppOptions {
  const config = readProjectConfiguration(tree, o.project);
  const root = posix.normalize(config.root || '.');
  const { plugin, infers } = pluginEntry(tree);
  const projectFile = tree.exists(posix.join(root, 'project.json')) ? posix.join(root, 'project.json') : posix.join(root, 'package.json');
  const build = (config.targets?.[plugin.buildTargetName]?.options ?? {}) as { dockerfile?: unknown; repository?: unknown };
  const dockerfile = existingDockerfile(tree, root, build.dockerfile, plugin, `option dockerfile of ${o.project}:${plugin.buildTargetName} (${projectFile})`);
  const runtime = detectRuntime(tree, root);
  if (!dockerfile && !runtime)
    throw new Error(
      `project ${o.project} (${root}) is neither Node (package.json) nor Python (pyproject.toml, requirements.txt) and has no Dockerfile. Fix: write ${posix.join(root, 'Dockerfile')} yourself, then run the generator again for its chart`,
    );

  const port = o.port ?? (dockerfile ? exposedPort(tree.read(dockerfile, 'utf-8') ?? '') : undefined) ?? 8080;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`option port ${port} is not a port. Fix: give a number from 1 to 65535`);
  const healthPath = o.healthPath ?? '/';
  if (!healthPath.startsWith('/')) throw new Error(`option healthPath ${JSON.stringify(healthPath)} is not a path. Fix: start it with /, e.g. /health`);
  const defaults = DEFAULTS[runtime ?? 'node'];
  const baseImage = o.baseImage ?? defaults.baseImage;
  const problem = imageRefViolations(baseImage, { file: '', repositoryField: '', tagField: '' })[0];
  if (problem) throw new Error(`option baseImage: ${problem.message}. Fix: ${problem.fix}`);
  const command = (o.command ?? defaults.command).trim().split(/\s+/).filter(Boolean);
  if (!command.length) throw new Error('option command is empty. Fix: give the program and its arguments, e.g. "node server.js"');

  const own = typeof build.repository === 'string' ? build.repository : undefined;
  if (own !== undefined && repositoryProblem(own))
    throw new Error(
      `option repository ${JSON.stringify(own)} of ${o.project}:${plugin.buildTargetName} (${projectFile}) ${repositoryProblem(own)}. Fix: use lowercase letters, digits and . _ - /`,
    );
  const repository = own ?? (repositoryProblem(o.project) ? repositoryFor(o.project) : o.project);
  if (repositoryProblem(repository))
    throw new Error(
      `project name ${o.project} makes no Docker repository. Fix: set option repository of ${o.project}:${plugin.buildTargetName} in ${projectFile}`,
    );

  const chartName = dnsLabel(o.project);
  if (!chartName) throw new Error(`project name ${o.project} makes no chart name. Fix: rename the project to letters, digits and '-'`);
  const umbrellaDir = umbrellaDirOf(tree, o.umbrella, chartName, (f) => infers(f) && minimatch(f, plugin.chartPattern, { dot: true }));
  const chartDir = posix.join(posix.dirname(umbrellaDir), chartName);
  if (chartDir === umbrellaDir)
    throw new Error(`the umbrella chart ${umbrellaDir} is where the subchart of ${o.project} would go. Fix: choose another umbrella with --umbrella`);

  const text = (f: string) => tree.read(posix.join(root, f), 'utf-8') ?? '';
  return {
    project: o.project,
    root,
    plugin,
    dockerfile,
    runtime: dockerfile ? null : runtime,
    sources: {
      lockFile: tree.exists(posix.join(root, 'package-lock.json')),
      requirements: tree.exists(posix.join(root, 'requirements.txt')),
      // A pyproject.toml may hold only tool settings; pip installs a project or a build system.
      installable: /^\[(project|build-system)\]/m.test(text('pyproject.toml')),
    },
    port,
    command,
    baseImage,
    healthPath,
    repository,
    buildOptions: {
      // The project name is no Docker repository.
      ...(own === undefined && repository !== o.project ? { repository } : {}),
      // The plugin's dockerfilePattern would not pick up the Dockerfile written to the project's directory.
      ...(!dockerfile && !minimatch(posix.join(root, 'Dockerfile'), plugin.dockerfilePattern, { dot: true })
        ? { dockerfile: posix.join(root, 'Dockerfile') }
        : {}),
    },
    chartName,
    chartDir,
    umbrellaDir,
    skipFormat: o.skipFormat ?? false,
  };
}
