// Inference: the pipeline's targets from the files that define it. A Dockerfile makes its
// directory an image project (build -> load -> deploy); a chart that is no other chart's
// file:// dependency makes its directory a release project (validate -> helm-install ->
// deploy, port-forward). A Dockerfile kept elsewhere is named in the project's own
// project.json (the build target's `dockerfile` option) and the rest is inferred around it.
// createDependencies links each release to the image projects its values deploy, so
// `^<load>` and `nx affected` need no project names.
import {
  CreateDependencies,
  CreateNodes,
  CreateNodesContext,
  createNodesFromFiles,
  DependencyType,
  ProjectConfiguration,
  RawProjectGraphDependency,
  TargetConfiguration,
} from '@nx/devkit';
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { basename, dirname, join, posix, relative, resolve } from 'path';
import { minimatch } from 'minimatch';
import { parse } from 'yaml';
import { EXECUTORS, imageProjectsOf } from '../executors/context';
import { releaseImages } from '../executors/helm-install/normalize';
import { dependentRecords, recordOutput } from '../records';
import { DOCKERIGNORE, HELMIGNORE, inputsFromIgnoreFile, PathKind, token } from './lib/ignore-inputs';
import { NormalizedPluginOptions, normalizePluginOptions, NxK8sPluginOptions } from './lib/options';

export type { NxK8sPluginOptions } from './lib/options';

const FILES = '**/{Dockerfile,*.Dockerfile,Chart.yaml,project.json}';

type Targets = Record<string, TargetConfiguration>;

interface ChartYaml {
  name?: string;
  dependencies?: Array<{ name?: string; repository?: string }>;
}

function readText(file: string): string | null {
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

function readYaml<T>(file: string): T | null {
  try {
    return (parse(readFileSync(file, 'utf8')) as T) ?? null;
  } catch {
    // validate reports a broken Chart.yaml with its file and line; inference only skips it.
    return null;
  }
}

const pathKind =
  (ws: string): PathKind =>
  (p) => {
    const s = statSync(join(ws, p), { throwIfNoEntry: false });
    return s ? (s.isDirectory() ? 'directory' : 'file') : null;
  };

const toPosix = (p: string) => p.split('\\').join('/');
const rel = (ws: string, abs: string) => toPosix(relative(ws, abs)) || '.';

/** The options a project's own project.json gives a target (they win over inferred ones). */
function ownOptions(ws: string, root: string, target: string): Record<string, unknown> {
  const text = readText(join(ws, root, 'project.json'));
  if (text === null) return {};
  try {
    return (JSON.parse(text) as ProjectConfiguration).targets?.[target]?.options ?? {};
  } catch {
    return {};
  }
}

/** Directories of the charts others use as file:// dependencies, or vendor under their charts/. */
function subchartDirs(ws: string, charts: string[]): Set<string> {
  const subs = new Set<string>();
  for (const file of charts) {
    const dir = dirname(file);
    for (const other of charts) if (other !== file && dirname(other).startsWith(`${dir}/charts/`)) subs.add(dirname(other));
    const chart = readYaml<ChartYaml>(join(ws, file));
    for (const d of chart?.dependencies ?? []) {
      if (d?.repository?.startsWith('file://')) subs.add(rel(ws, resolve(ws, dir, d.repository.slice('file://'.length))));
    }
  }
  return subs;
}

/** The chart and, recursively, its file:// subcharts: name and directory. */
function fileDependencyTree(ws: string, dir: string, seen = new Set<string>()): Array<{ name: string; dir: string }> {
  if (seen.has(dir)) return [];
  seen.add(dir);
  const chart = readYaml<ChartYaml>(join(ws, dir, 'Chart.yaml'));
  const out: Array<{ name: string; dir: string }> = [];
  for (const d of chart?.dependencies ?? []) {
    if (!d?.name || !d.repository?.startsWith('file://')) continue;
    const sub = rel(ws, resolve(ws, dir, d.repository.slice('file://'.length)));
    out.push({ name: d.name, dir: sub }, ...fileDependencyTree(ws, sub, seen));
  }
  return out;
}

function imageTargets(ws: string, root: string, dockerfile: string, o: NormalizedPluginOptions): Targets {
  const own = ownOptions(ws, root, o.buildTargetName);
  const context = typeof own.context === 'string' ? own.context : root;
  const beside = `${dockerfile}.dockerignore`;
  const atContext = posix.join(context, '.dockerignore');
  // BuildKit reads the Dockerfile's own ignore file when there is one, else the context's; the
  // legacy builder (no buildx) always the context's, so both are inputs.
  const ignoreFile = existsSync(join(ws, beside)) ? beside : atContext;
  const contextInputs = inputsFromIgnoreFile(context, readText(join(ws, ignoreFile)), DOCKERIGNORE, root, pathKind(ws));
  return {
    [o.buildTargetName]: {
      executor: EXECUTORS.build,
      cache: true,
      options: { dockerfile, context },
      // What the build sends: the context through its ignore file, the Dockerfile, the ignore
      // file. No npm package is an input unless a lock file in the context says so.
      inputs: [...new Set([...contextInputs, token(dockerfile, root), token(ignoreFile, root), token(atContext, root)]), { externalDependencies: [] }],
      outputs: [recordOutput('image')],
      metadata: {
        description: `Build the image from ${dockerfile} with a content-addressed tag (reused while its inputs are unchanged)`,
        technologies: ['docker'],
      },
    },
    [o.loadTargetName]: {
      executor: EXECUTORS.load,
      cache: true,
      dependsOn: [o.buildTargetName],
      ...(o.buildTargetName === 'docker-build' ? {} : { options: { buildTarget: o.buildTargetName } }),
      inputs: [{ dependentTasksOutputFiles: dependentRecords('image') }],
      outputs: [recordOutput('clusterImage')],
      metadata: {
        description: "Get the image into the cluster's runtime (minikube, kind, a containerd node or a registry); skipped when it is already there",
        technologies: ['docker', 'kubernetes'],
      },
    },
    [o.deployTargetName]: {
      executor: 'nx:noop',
      cache: true,
      dependsOn: [o.loadTargetName],
      metadata: { description: 'Build the image and get it into the cluster; the release that runs it upgrades through its own deploy target' },
    },
  };
}

function releaseTargets(ws: string, root: string, o: NormalizedPluginOptions): Targets {
  const own = ownOptions(ws, root, o.releaseTargetName);
  const chart = typeof own.chart === 'string' ? own.chart : root;
  const subcharts = fileDependencyTree(ws, chart);
  const chartInputs = [
    ...inputsFromIgnoreFile(chart, readText(join(ws, chart, '.helmignore')), HELMIGNORE, root, pathKind(ws)),
    // Packaged copies of file:// subcharts are built from the sources listed here.
    ...subcharts.map((s) => `!{projectRoot}/charts/${s.name}-*.tgz`),
    ...subcharts.flatMap((s) => inputsFromIgnoreFile(s.dir, readText(join(ws, s.dir, '.helmignore')), HELMIGNORE, root, pathKind(ws))),
  ];
  const environments = (existsSync(join(ws, chart)) ? readdirSync(join(ws, chart)) : [])
    .map((f) => /^values-(.+)\.ya?ml$/.exec(f))
    .filter((m): m is RegExpExecArray => !!m)
    .sort((a, b) => a[1].localeCompare(b[1]));
  const configurations = Object.fromEntries(environments.map((m) => [m[1], { valuesFiles: [m[0]] }]));
  const names = Object.keys(configurations);
  const defaultConfiguration = names.includes('dev') ? 'dev' : undefined;
  const withConfigurations = names.length ? { configurations, ...(defaultConfiguration ? { defaultConfiguration } : {}) } : {};
  return {
    [o.validateTargetName]: {
      executor: EXECUTORS.validate,
      cache: true,
      // The chart, and the Dockerfiles and build options of the image projects it deploys.
      inputs: [...chartInputs, '^default'],
      outputs: [],
      metadata: {
        description: 'Check the chart, its rendered resources and the images it runs against the validation rules (helm template only, no cluster)',
        technologies: ['helm'],
      },
    },
    [o.releaseTargetName]: {
      executor: EXECUTORS.release,
      cache: true,
      dependsOn: [o.validateTargetName, `^${o.loadTargetName}`],
      inputs: [...chartInputs, { dependentTasksOutputFiles: dependentRecords('clusterImage'), transitive: true }],
      outputs: [recordOutput('release')],
      ...withConfigurations,
      metadata: {
        description: `helm upgrade --install${names.length ? ` (configurations ${names.join(', ')}: values-<configuration>.yaml)` : ''}, then wait for the rollout; rolled back when it fails, skipped while the cluster runs this exact state`,
        technologies: ['helm', 'kubernetes'],
      },
    },
    [o.deployTargetName]: {
      executor: 'nx:noop',
      cache: true,
      dependsOn: [o.releaseTargetName],
      // Empty configurations: `deploy:prod` passes prod on to helm-install; plain deploy takes its default.
      ...(names.length ? { configurations: Object.fromEntries(names.map((n) => [n, {}])) } : {}),
      metadata: { description: 'Build and load every image the chart deploys, then install or upgrade the release' },
    },
    [o.statusTargetName]: {
      executor: EXECUTORS.status,
      // What the cluster runs now: never a cached answer.
      cache: false,
      ...(names.length ? { configurations: Object.fromEntries(names.map((n) => [n, {}])) } : {}),
      metadata: {
        description:
          "The release in the data model's terms: images, workloads, pods, endpoints, config keys, and whether it is up to date with the workspace; fails when not healthy",
        technologies: ['helm', 'kubernetes'],
      },
    },
    [o.logsTargetName]: {
      executor: EXECUTORS.logs,
      continuous: true,
      metadata: {
        description: "Follow the release's pods' logs (prefixed by app and pod, across restarts and rollouts; secrets masked)",
        technologies: ['kubernetes'],
      },
    },
    [o.devTargetName]: {
      executor: EXECUTORS.dev,
      continuous: true,
      ...(o.deployTargetName === 'deploy' ? {} : { options: { deployTarget: o.deployTargetName } }),
      ...(names.length ? { configurations: Object.fromEntries(names.map((n) => [n, {}])) } : {}),
      metadata: {
        description: 'Deploy on every save through the cached graph (only what the change affects), with port-forwards and logs running throughout',
        technologies: ['docker', 'helm', 'kubernetes'],
      },
    },
    [o.portForwardTargetName]: {
      executor: EXECUTORS.forward,
      continuous: true,
      dependsOn: [o.deployTargetName],
      metadata: {
        description: "Forward the release's Services to localhost (ports and health paths from the release's own Services and readiness probes)",
        technologies: ['kubernetes'],
      },
    },
  };
}

/** The Dockerfile a project builds: its project.json's choice, else a matching Dockerfile in its directory. */
function dockerfileOf(ws: string, root: string, files: Set<string>, o: NormalizedPluginOptions): string | null {
  const named = ownOptions(ws, root, o.buildTargetName).dockerfile;
  if (typeof named === 'string') return existsSync(join(ws, named)) ? toPosix(named) : null;
  const own = [...files].filter(
    (f) => dirname(f) === root && basename(f) !== 'Chart.yaml' && basename(f) !== 'project.json' && minimatch(f, o.dockerfilePattern, { dot: true }),
  );
  return own.sort()[0] ?? null;
}

function projectFor(ws: string, root: string, files: Set<string>, subcharts: Set<string>, o: NormalizedPluginOptions) {
  const dockerfile = dockerfileOf(ws, root, files, o);
  const chartFile = posix.join(root, 'Chart.yaml');
  const isRelease = files.has(chartFile) && minimatch(chartFile, o.chartPattern, { dot: true }) && !subcharts.has(root);
  if (!dockerfile && !isRelease) return null;
  const image = dockerfile ? imageTargets(ws, root, dockerfile, o) : {};
  const release = isRelease ? releaseTargets(ws, root, o) : {};
  const targets: Targets = { ...image, ...release };
  if (dockerfile && isRelease) {
    // One directory with both: its deploy is both pipelines.
    targets[o.deployTargetName] = { ...release[o.deployTargetName], dependsOn: [o.loadTargetName, o.releaseTargetName] };
  }
  const hasProjectFile = existsSync(join(ws, root, 'project.json')) || existsSync(join(ws, root, 'package.json'));
  const chartName = isRelease ? readYaml<ChartYaml>(join(ws, chartFile))?.name : undefined;
  const name = hasProjectFile ? undefined : (chartName ?? basename(resolve(ws, root)));
  return { root, ...(name ? { name } : {}), targets };
}

export const createNodes: CreateNodes<NxK8sPluginOptions> = [
  FILES,
  async (configFiles, options, context: CreateNodesContext) => {
    const o = normalizePluginOptions(options);
    const ws = context.workspaceRoot;
    const files = new Set(configFiles.map(toPosix));
    const subcharts = subchartDirs(
      ws,
      [...files].filter((f) => basename(f) === 'Chart.yaml'),
    );
    // One entry per directory: its Dockerfile, Chart.yaml and project.json describe one project.
    const byRoot = new Map<string, string>();
    for (const f of [...files].sort()) if (!byRoot.has(dirname(f))) byRoot.set(dirname(f), f);
    return createNodesFromFiles(
      (file) => {
        const project = projectFor(ws, dirname(toPosix(file)), files, subcharts, o);
        return project ? { projects: { [project.root]: project } } : {};
      },
      [...byRoot.values()],
      options,
      context,
    );
  },
];

/** Each release project depends on the image projects its chart's values deploy. */
export const createDependencies: CreateDependencies<NxK8sPluginOptions> = (_options, context) => {
  const images = imageProjectsOf(context.projects);
  const deps: RawProjectGraphDependency[] = [];
  for (const [project, config] of Object.entries(context.projects)) {
    const release = Object.values(config.targets ?? {}).find((t) => t.executor === EXECUTORS.release);
    if (!release) continue;
    const sourceFile = posix.join(config.root, 'Chart.yaml');
    const deployed = releaseImages((release.options ?? {}) as { chart?: string; images?: Record<string, string> }, config.root, context.workspaceRoot, images);
    for (const target of [...new Set(Object.values(deployed))].sort()) {
      if (target === project || !context.projects[target]) continue;
      deps.push(
        context.fileMap.projectFileMap[project]?.some((f) => f.file === sourceFile)
          ? { source: project, target, type: DependencyType.static, sourceFile }
          : { source: project, target, type: DependencyType.implicit },
      );
    }
  }
  return deps;
};
