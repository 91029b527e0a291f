// Options -> the release's desired state. Shared by the executor and its hasher so both
// compute the same digest.
import { existsSync } from 'fs';
import { join, relative, resolve } from 'path';
import { Helm } from '../../adapters/helm';
import { pluginDigest } from '../../cache';
import { ClusterImage } from '../../load';
import { DesiredState, desiredDigest } from '../../release/desired';
import { chartValues, ImageProject, imagesDeployedBy, ResolvedImage, resolveImagePaths, valuesForImage } from '../../release/images';
import { Scalar, valuesTree } from '../../release/values';
import { readRecord, recordPath } from '../../records';
import { nxDotenvFiles, readSecrets, secretsDigest } from '../../secrets';
import { HelmInstallExecutorSchema } from './schema';

export interface NormalizedRelease extends DesiredState {
  release: string;
  namespace: string;
  createNamespace: boolean;
  timeoutSeconds: number;
  context?: string;
  /** values path -> secret value; only ever sent to helm's standard input. */
  secretValues: Record<string, string>;
  secretNotes: string[];
  outputFile: string;
}

export interface TaskCoordinates {
  project: string;
  projectRoot: string;
  target: string;
  configuration?: string;
}

/** Which image a project's values get: the load stage's record of what it loaded. */
export type LoadedImages = (project: string) => ClusterImage;

export const loadedRecords =
  (root: string): LoadedImages =>
  (project) =>
    readRecord<ClusterImage>(join(root, recordPath(project, 'clusterImage')), `run nx run ${project}:minikube-load first`);

/** What the resolved images set, from each project's loaded image. */
export function imageValues(images: ResolvedImage[], loaded: LoadedImages, option: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const image of images) Object.assign(out, valuesForImage(image, loaded(image.project), option));
  return out;
}

/** Image value path -> project: the option, else what the chart's values say it deploys (see release/images). Not checked: the project graph reads it too. */
export function releaseImages(
  o: { chart?: string; images?: Record<string, string> },
  projectRoot: string,
  root: string,
  imageProjects: ImageProject[],
  valuesFiles?: string[],
): Record<string, string> {
  return o.images ?? imagesDeployedBy(resolve(root, o.chart ?? projectRoot), imageProjects, valuesFiles);
}

/** The images of one configuration, each path checked against its values (chart, file:// subcharts, `valuesFiles`, absolute). */
export function checkedImages(images: Record<string, string>, chartDir: string, valuesFiles: string[], root: string, option: string): ResolvedImage[] {
  const files = valuesFiles.map((f) => relative(chartDir, f));
  const where = `chart ${relative(root, chartDir) || '.'} (its values, its file:// subcharts'${files.length ? `, ${files.join(', ')}` : ''})`;
  return resolveImagePaths(images, chartValues(chartDir, valuesFiles), option, where);
}

/** Which release a target manages; the hasher reads it early, before the run's images are known. */
export function releaseCoordinates(o: Pick<HelmInstallExecutorSchema, 'release' | 'namespace'>, project: string): { release: string; namespace: string } {
  return { release: o.release ?? project, namespace: o.namespace ?? 'default' };
}

export function normalizeReleaseOptions(
  o: HelmInstallExecutorSchema,
  task: TaskCoordinates,
  root: string,
  env: NodeJS.ProcessEnv,
  imageProjects: ImageProject[],
  loaded: LoadedImages = loadedRecords(root),
): NormalizedRelease {
  const where = `${task.project}:${task.target}`;
  const chart = o.chart ?? task.projectRoot;
  const chartDir = resolve(root, chart);
  if (!existsSync(join(chartDir, 'Chart.yaml')))
    throw new Error(`no chart at ${chart} (Chart.yaml is missing; option chart of ${where}). Fix: point option chart at a Helm chart directory`);
  const valuesFiles = (o.valuesFiles ?? []).map((f) => resolve(chartDir, f));
  const missing = valuesFiles.find((f) => !existsSync(f));
  if (missing)
    throw new Error(
      `values file ${relative(root, missing)} does not exist (option valuesFiles of ${where}). Fix: create it or remove it from the configuration`,
    );
  const option = o.images ? `option images of ${where}` : `the images inferred for ${where} (option images)`;
  const envFile = o.envFile ?? '.env';
  const secrets = readSecrets(o.secrets ?? {}, env, { root, envFile, nxDotenvFiles: nxDotenvFiles(task.projectRoot, task.target, task.configuration) });
  return {
    chartDir,
    valuesFiles,
    set: (o.set ?? {}) as Record<string, Scalar>,
    images: imageValues(
      checkedImages(releaseImages(o, task.projectRoot, root, imageProjects, valuesFiles), chartDir, valuesFiles, root, option),
      loaded,
      option,
    ),
    secretsDigest: secretsDigest(secrets.values, env),
    secretValues: secrets.values,
    secretNotes: secrets.notes,
    ...releaseCoordinates(o, task.project),
    createNamespace: o.createNamespace ?? true,
    timeoutSeconds: o.timeout ?? 300,
    context: o.context,
    outputFile: o.outputFile ?? recordPath(task.project, 'release'),
  };
}

/** The release's desired-state digest, as the executor records it and the hasher compares it. */
export async function releaseDigest(o: NormalizedRelease, helm: Helm): Promise<string> {
  return desiredDigest(o, { helm: await helm.version(), plugin: pluginDigest() });
}

/** What helm reads on standard input: set < images < secrets, after the values files. */
export function stdinValues(o: NormalizedRelease): string | null {
  const layers = [o.set, o.images, o.secretValues];
  return layers.some((l) => Object.keys(l).length > 0) ? JSON.stringify(valuesTree(...layers)) : null;
}
