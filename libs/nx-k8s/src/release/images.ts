// Which image projects a chart deploys, read from the chart's own values: wherever the values
// (the chart's, and each file:// subchart's under its alias) hold `image.repository` equal to
// the repository an image project builds, that project's loaded image goes there. This links
// a chart to its apps in the project graph and fills helm-install's `images` without naming
// a project anywhere.
import { existsSync, readdirSync, readFileSync } from 'fs';
import { join, resolve } from 'path';
import { parse } from 'yaml';

export interface ImageProject {
  project: string;
  /** The repository its docker-build target builds. */
  repository: string;
}

interface ChartYaml {
  dependencies?: Array<{ name?: string; alias?: string; repository?: string }>;
}

function readYaml(file: string): unknown {
  try {
    return parse(readFileSync(file, 'utf8'));
  } catch {
    // A broken file is validate's to report; here it only deploys nothing.
    return null;
  }
}

/** values path of the object holding `image` -> repository, e.g. frontend -> todo-frontend. */
function imageRepositories(values: unknown, prefix: string[], out: Map<string, string>): void {
  if (!values || typeof values !== 'object' || Array.isArray(values)) return;
  for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
    if (key === 'image' && value && typeof value === 'object' && typeof (value as { repository?: unknown }).repository === 'string') {
      out.set(prefix.join('.'), (value as { repository: string }).repository);
    } else {
      imageRepositories(value, [...prefix, key], out);
    }
  }
}

function valuesFiles(chartDir: string, withEnvironments: boolean): string[] {
  if (!existsSync(chartDir)) return [];
  return readdirSync(chartDir)
    .filter((f) => f === 'values.yaml' || (withEnvironments && /^values-.+\.ya?ml$/.test(f)))
    .sort((a, b) => (a === 'values.yaml' ? -1 : b === 'values.yaml' ? 1 : a.localeCompare(b)))
    .map((f) => join(chartDir, f));
}

function collect(chartDir: string, prefix: string[], out: Map<string, string>, seen: Set<string>): void {
  if (seen.has(chartDir) || !existsSync(join(chartDir, 'Chart.yaml'))) return;
  seen.add(chartDir);
  // The umbrella's environment files may name images too; a subchart's only through values.yaml.
  for (const f of valuesFiles(chartDir, prefix.length === 0)) imageRepositories(readYaml(f), prefix, out);
  const chart = (readYaml(join(chartDir, 'Chart.yaml')) ?? {}) as ChartYaml;
  for (const d of Array.isArray(chart.dependencies) ? chart.dependencies : []) {
    if (!d?.repository?.startsWith('file://') || !d.name) continue;
    collect(resolve(chartDir, d.repository.slice('file://'.length)), [...prefix, d.alias ?? d.name], out, seen);
  }
}

/** values prefix (its `image.repository`/`image.tag` are set) -> image project, for the chart at chartDir. */
export function imagesDeployedBy(chartDir: string, projects: ImageProject[]): Record<string, string> {
  const found = new Map<string, string>();
  collect(chartDir, [], found, new Set());
  const byRepository = new Map(projects.map((p) => [p.repository, p.project]));
  const out: Record<string, string> = {};
  for (const [prefix, repository] of [...found].sort(([a], [b]) => a.localeCompare(b))) {
    const project = byRepository.get(repository);
    if (project) out[prefix] = project;
  }
  return out;
}
