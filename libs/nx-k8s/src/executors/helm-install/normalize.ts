// Options -> the release's desired state. Shared by the executor and its hasher so both
// compute the same digest.
import { existsSync } from 'fs';
import { join, relative, resolve } from 'path';
import { Helm } from '../../adapters/helm';
import { pluginDigest } from '../../cache';
import { ClusterImage } from '../../load';
import { DesiredState, desiredDigest } from '../../release/desired';
import { ImageProject, imagesDeployedBy } from '../../release/images';
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

/** `images` maps a values prefix to the project whose loaded image it uses: <prefix>.image.repository / .tag ('' is the chart's own image). */
export function imageValues(images: Record<string, string>, root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [prefix, project] of Object.entries(images).sort()) {
    const img = readRecord<ClusterImage>(join(root, recordPath(project, 'clusterImage')), `run nx run ${project}:minikube-load first`);
    const at = prefix ? `${prefix}.image` : 'image';
    out[`${at}.repository`] = img.repository;
    out[`${at}.tag`] = img.tag;
  }
  return out;
}

/** The option, else what the chart's values say it deploys (see release/images). */
export function releaseImages(
  o: { chart?: string; images?: Record<string, string> },
  projectRoot: string,
  root: string,
  imageProjects: ImageProject[],
): Record<string, string> {
  return o.images ?? imagesDeployedBy(resolve(root, o.chart ?? projectRoot), imageProjects);
}

export function normalizeReleaseOptions(
  o: HelmInstallExecutorSchema,
  task: TaskCoordinates,
  root: string,
  env: NodeJS.ProcessEnv,
  imageProjects: ImageProject[],
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
  const envFile = o.envFile ?? '.env';
  const secrets = readSecrets(o.secrets ?? {}, env, { root, envFile, nxDotenvFiles: nxDotenvFiles(task.projectRoot, task.target, task.configuration) });
  return {
    chartDir,
    valuesFiles,
    set: (o.set ?? {}) as Record<string, Scalar>,
    images: imageValues(releaseImages(o, task.projectRoot, root, imageProjects), root),
    secretsDigest: secretsDigest(secrets.values, env),
    secretValues: secrets.values,
    secretNotes: secrets.notes,
    release: o.release ?? task.project,
    namespace: o.namespace ?? 'default',
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
