// Options -> what the status report covers. Shared by the executor and its hasher. The release,
// namespace, context and images come from the project's helm-install target (with the same
// configuration, else its default one), the image projects' build and load targets from theirs.
import { ProjectConfiguration } from '@nx/devkit';
import { resolve } from 'path';
import { EXECUTORS, imageProjectsOf, optionsFor, targetRunning } from '../context';
import { releaseImages } from '../helm-install/normalize';
import { HelmInstallExecutorSchema } from '../helm-install/schema';
import { MinikubeLoadExecutorSchema } from '../minikube-load/schema';
import { StatusExecutorSchema } from './schema';

export interface StatusApp {
  project: string;
  /** Its docker-build target's name and repository. */
  buildTarget: string;
  repository: string;
  /** Its minikube-load target's options: how its image reaches the cluster. */
  load: MinikubeLoadExecutorSchema;
}

export interface NormalizedStatus {
  release: string;
  namespace: string;
  context?: string;
  json: boolean;
  /** helm-install's options for this configuration, and the target's name (null: the project has none). */
  helmInstall: { target: string; options: HelmInstallExecutorSchema } | null;
  configuration?: string;
  apps: StatusApp[];
}

export function normalizeStatusOptions(
  o: StatusExecutorSchema,
  project: string,
  configuration: string | undefined,
  projects: Record<string, ProjectConfiguration>,
  root: string,
): NormalizedStatus {
  const helm = targetRunning<HelmInstallExecutorSchema>(projects, project, EXECUTORS.release);
  const name = configuration ?? helm?.config.defaultConfiguration;
  const options = optionsFor<HelmInstallExecutorSchema>(helm?.config, name);
  const chartDir = resolve(root, options.chart ?? projects[project].root);
  const images = helm
    ? releaseImages(
        options,
        projects[project].root,
        root,
        imageProjectsOf(projects),
        (options.valuesFiles ?? []).map((f) => resolve(chartDir, f)),
      )
    : {};
  const apps = [...new Set(Object.values(images))].sort().flatMap((p) => {
    const build = targetRunning<{ repository?: string }>(projects, p, EXECUTORS.build);
    if (!build) return [];
    const load = targetRunning<MinikubeLoadExecutorSchema>(projects, p, EXECUTORS.load);
    return [{ project: p, buildTarget: build.name, repository: build.config.options?.repository ?? p, load: optionsFor(load?.config) }];
  });
  return {
    release: o.release ?? options.release ?? project,
    namespace: o.namespace ?? options.namespace ?? 'default',
    context: o.context ?? options.context,
    json: o.json ?? false,
    helmInstall: helm ? { target: helm.name, options } : null,
    ...(name ? { configuration: name } : {}),
    apps,
  };
}
