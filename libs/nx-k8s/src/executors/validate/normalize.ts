// Options -> what to validate. Defaults come from the targets that use the same inputs: the
// project's helm-install (configurations, release, images) and the image projects' docker-build
// (Dockerfile, repository), so the validated set is the deployed set without restating it.
import { ExecutorContext, TargetConfiguration } from '@nx/devkit';
import { ValidationSpec } from '../../validate';
import { parseKubeVersion } from '../../validate/kube-version';
import { rulesOff } from '../../validate/policy';
import { EXECUTORS, imageProjectsOf, projectRoot } from '../context';
import { existsSync } from 'fs';
import { resolve } from 'path';
import { chartValues, imageValuesIn } from '../../release/images';
import { checkedImages, releaseImages } from '../helm-install/normalize';
import type { Scalar } from '../../release/values';
import { ValidateExecutorSchema } from './schema';

interface HelmInstallOptions {
  release?: string;
  namespace?: string;
  valuesFiles?: string[];
  set?: Record<string, Scalar>;
  images?: Record<string, string>;
  chart?: string;
}

interface DockerBuildOptions {
  dockerfile?: string;
  repository?: string;
}

/** The name of the project's target that runs `executor`, whatever it is named. */
function targetName(context: ExecutorContext, project: string, executor: string): string | undefined {
  const targets = context.projectsConfigurations?.projects[project]?.targets ?? {};
  return Object.keys(targets).find((name) => targets[name].executor === executor);
}

function target<T>(context: ExecutorContext, project: string, executor: string): TargetConfiguration<T> | undefined {
  const name = targetName(context, project, executor);
  return name === undefined ? undefined : (context.projectsConfigurations!.projects[project].targets![name] as TargetConfiguration<T>);
}

/** Where a target's options are written: the project's project.json, else its package.json (under nx). */
function optionsFile(context: ExecutorContext, target: string): { file: string; field: string } {
  const root = projectRoot(context);
  const file = (name: string) => (root === '.' || root === '' ? name : `${root}/${name}`);
  if (existsSync(resolve(context.root, file('project.json')))) return { file: file('project.json'), field: `targets.${target}.options.images` };
  return { file: file('package.json'), field: `nx.targets.${target}.options.images` };
}

/**
 * What each way of running helm-install deploys: its values files and `set`, per configuration
 * (a configuration's own value replaces the option's, as Nx merges them), and `default` (the
 * options alone) unless a default configuration stands in for it.
 */
function configurationsOf(helmInstall: TargetConfiguration<HelmInstallOptions> | undefined) {
  const options = helmInstall?.options ?? {};
  const named = Object.entries(helmInstall?.configurations ?? {}).map(([name, c]) => [name, { ...options, ...c }] as const);
  const all = [...(named.length && helmInstall?.defaultConfiguration ? [] : [['default', options] as const]), ...named];
  return {
    configurations: Object.fromEntries(all.map(([name, o]) => [name, o.valuesFiles ?? []])) as Record<string, string[]>,
    set: Object.fromEntries(all.map(([name, o]) => [name, o.set ?? {}])) as Record<string, Record<string, Scalar>>,
  };
}

export function normalizeValidateOptions(o: ValidateExecutorSchema, context: ExecutorContext): ValidationSpec {
  const project = context.projectName!;
  const helmInstall = target<HelmInstallOptions>(context, project, EXECUTORS.release);
  const projects = context.projectsConfigurations!.projects;
  const images =
    o.images ??
    releaseImages(
      { chart: o.chart ?? helmInstall?.options?.chart, images: helmInstall?.options?.images },
      projectRoot(context),
      context.root,
      imageProjectsOf(projects),
    );
  const chart = o.chart ?? helmInstall?.options?.chart ?? projectRoot(context);
  const deployed = configurationsOf(helmInstall);
  // Configurations of validate's own name only the values files; helm-install's `set` still applies.
  const configurations = o.configurations ?? deployed.configurations;
  const set = Object.fromEntries(Object.keys(configurations).map((c) => [c, deployed.set[c] ?? helmInstall?.options?.set ?? {}]));
  const explicit = o.images ?? helmInstall?.options?.images;
  let checkedPaths: ValidationSpec['images'];
  if (explicit) {
    // A path not in the values would deploy nothing there: refused before anything renders, per
    // configuration; one the templates do not read, by the render (rule image.value-read).
    const option = o.images ? `option images of ${project}:validate` : `option images of ${project}'s helm-install target`;
    const chartDir = resolve(context.root, chart);
    const perConfiguration = Object.entries(configurations).map(([name, files]) => {
      const valuesFiles = files.map((f) => resolve(chartDir, f));
      const named = checkedImages(explicit, chartDir, valuesFiles, context.root, option).map(({ path, project }) => ({ path, project }));
      return [name, { named, candidates: imageValuesIn(chartValues(chartDir, valuesFiles)) }] as const;
    });
    const where = optionsFile(context, o.images ? context.targetName! : targetName(context, project, EXECUTORS.release)!);
    checkedPaths = { option: { name: option, ...where }, configurations: Object.fromEntries(perConfiguration) };
  }
  const imageProjects = [...new Set(Object.values(images))].sort();
  const builds = imageProjects.map((p) => ({
    project: p,
    root: context.projectsConfigurations?.projects[p]?.root,
    build: target<DockerBuildOptions>(context, p, EXECUTORS.build),
  }));
  for (const b of builds) {
    if (!b.root)
      throw new Error(`option images of ${project}:validate names project ${b.project}, which does not exist. Fix: use project names from nx show projects`);
  }
  const dockerfiles = o.dockerfiles
    ? o.dockerfiles.map((file) => ({ file, listedBy: `option dockerfiles of ${project}:validate` }))
    : builds
        .filter((b) => b.build?.options?.dockerfile)
        .map((b) => ({ file: b.build!.options!.dockerfile!, listedBy: `option dockerfile of ${b.project}:docker-build` }));
  return {
    root: context.root,
    chart: o.chart ?? projectRoot(context),
    release: helmInstall?.options?.release ?? project,
    namespace: helmInstall?.options?.namespace ?? 'default',
    configurations,
    set,
    dockerfiles,
    ...(o.kubeVersion !== undefined ? { kubeVersion: parseKubeVersion(o.kubeVersion, `option kubeVersion of ${project}:validate`) } : {}),
    rulesOff: rulesOff(o.rules, `option rules of ${project}:validate`),
    strictSubcharts: o.strictSubcharts ?? false,
    ...(checkedPaths ? { images: checkedPaths } : {}),
    repositories: builds
      .filter((b) => b.build)
      .map((b) => ({ project: b.project, projectFile: `${b.root}/project.json`, repository: b.build!.options?.repository ?? b.project })),
  };
}
