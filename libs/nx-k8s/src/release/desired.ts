// The release's desired state as one digest: chart sources (the umbrella and its file://
// subcharts), the values files in order, the values given on standard input (set, images,
// a keyed digest of the secrets), and the tools that turn them into manifests (helm, the
// plugin). helm-install records it in the release description, and the hasher compares it
// with what the cluster runs: equal means the release is up to date.
import { createHash } from 'crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { join, relative, resolve } from 'path';
import { parse } from 'yaml';
import { canonicalJson, Scalar } from './values';

export interface DesiredState {
  chartDir: string;
  valuesFiles: string[];
  set: Record<string, Scalar>;
  /** values path -> repository or tag of a loaded image. */
  images: Record<string, string>;
  secretsDigest: string;
}

/** What renders the manifests besides the chart: a new helm or a fixed plugin is a new desired state. */
export interface RenderTools {
  helm: string;
  plugin: string;
}

function files(dir: string, skip: (rel: string) => boolean, root = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    const rel = relative(root, full);
    if (skip(rel)) continue;
    if (statSync(full).isDirectory()) out.push(...files(full, skip, root));
    else out.push(full);
  }
  return out;
}

/** Source directories of the chart's file:// dependencies. */
export function fileDependencies(chartDir: string): Array<{ name: string; version: string; dir: string }> {
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { dependencies?: Array<{ name: string; version: string; repository?: string }> };
  return (chart.dependencies ?? [])
    .filter((d) => d.repository?.startsWith('file://'))
    .map((d) => ({ name: d.name, version: d.version, dir: resolve(chartDir, d.repository!.slice('file://'.length)) }));
}

/** Digest of a chart's sources, leaving out packaged subcharts (build artifacts). */
export function chartSourceDigest(chartDir: string): string {
  const h = createHash('sha256');
  const dirs = [chartDir, ...fileDependencies(chartDir).map((d) => d.dir)];
  for (const dir of dirs) {
    for (const f of files(
      dir,
      (rel) =>
        rel.endsWith('.tgz') ||
        rel.endsWith('.nx-k8s-dependencies') ||
        rel === 'tests' ||
        rel.startsWith('tests/') ||
        rel === 'project.json' ||
        rel.startsWith('node_modules'),
    )) {
      h.update(`\0${relative(chartDir, f)}\0`).update(readFileSync(f));
    }
  }
  return h.digest('hex');
}

export function desiredDigest(d: DesiredState, tools: RenderTools): string {
  const h = createHash('sha256').update('nx-k8s-release-v2');
  h.update(`\0helm\0${tools.helm}\0plugin\0${tools.plugin}\0`);
  h.update(chartSourceDigest(d.chartDir));
  for (const f of d.valuesFiles) h.update(`\0values\0${relative(d.chartDir, f)}\0`).update(existsSync(f) ? readFileSync(f) : '');
  h.update(`\0set\0${canonicalJson(d.set)}\0images\0${canonicalJson(d.images)}`);
  h.update(`\0secrets\0${d.secretsDigest}`);
  return h.digest('hex').slice(0, 32);
}

export const DESCRIPTION_PREFIX = 'nx-k8s desired=';

export function descriptionFor(digest: string): string {
  return `${DESCRIPTION_PREFIX}${digest}`;
}
