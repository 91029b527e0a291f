// Options -> the release's desired state. Shared by the executor and its hasher so both
// compute the same digest.
import { existsSync } from 'fs';
import { join } from 'path';
import { readJson } from '../../image/record';
import { ClusterImage } from '../../load';
import { DesiredState } from '../../release/desired';
import { readSecrets, secretsDigest } from '../../secrets';
import { recordPath } from '../context';
import { HelmInstallExecutorSchema } from './schema';

export interface NormalizedRelease extends DesiredState {
  release: string;
  namespace: string;
  createNamespace: boolean;
  timeoutSeconds: number;
  context?: string;
  secretValues: Record<string, string>;
  outputFile: string;
}

/** Layering of values (the data model's Configuration Hierarchy): chart values.yaml < values files in order < --set. */
export function imageValues(images: Record<string, string>, root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [prefix, project] of Object.entries(images).sort()) {
    const img = readJson<ClusterImage>(join(root, recordPath(project, 'cluster-image.json')), `run nx run ${project}:minikube-load first`);
    out[`${prefix}.image.repository`] = img.repository;
    out[`${prefix}.image.tag`] = img.tag;
  }
  return out;
}

export function normalizeReleaseOptions(o: HelmInstallExecutorSchema, project: string, projectRoot: string, root: string, env: NodeJS.ProcessEnv): NormalizedRelease {
  const chart = o.chart ?? projectRoot;
  const chartDir = join(root, chart);
  if (!existsSync(join(chartDir, 'Chart.yaml'))) throw new Error(`no chart at ${chart} (Chart.yaml is missing; option chart of ${project}:helm-install). Fix: point option chart at a Helm chart directory`);
  const valuesFiles = (o.valuesFiles ?? []).map((f) => join(chartDir, f));
  const missing = valuesFiles.find((f) => !existsSync(f));
  if (missing) throw new Error(`values file ${missing} does not exist (option valuesFiles of ${project}:helm-install). Fix: create it or remove it from the configuration`);
  const secretValues = readSecrets(o.secrets ?? {}, env, root, o.envFile ?? '.env');
  return {
    chartDir,
    valuesFiles,
    set: o.set ?? {},
    setString: imageValues(o.images ?? {}, root),
    secretsDigest: secretsDigest(secretValues),
    secretValues,
    release: o.release ?? project,
    namespace: o.namespace ?? 'default',
    createNamespace: o.createNamespace ?? true,
    timeoutSeconds: o.timeout ?? 300,
    context: o.context,
    outputFile: o.outputFile ?? recordPath(project, 'release.json'),
  };
}
