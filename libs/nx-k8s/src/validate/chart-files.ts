// Reading a chart from the workspace (the umbrella and its file:// subcharts) and laying out a
// private copy for `helm template`: the subcharts' current sources go into its charts/, so the
// render never uses a stale packaged .tgz and the workspace is never written to.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { basename, join, relative, resolve } from 'path';
import { parse } from 'yaml';
import { ChartSource } from './manifests';
import { ChartMetadata, chartLockRules, chartYamlRules, Dependency, fileDependencyRules, ResolvedDependency } from './rules/chart';
import { Violation } from './violation';

export interface ChartTree {
  /** Workspace-relative directory of the umbrella chart. */
  dir: string;
  name: string;
  /** Null when Chart.yaml (or a file:// dependency) is broken: nothing can be rendered. */
  metadata: ChartMetadata | null;
  fileDependencies: ResolvedDependency[];
  sources: ChartSource[];
  violations: Violation[];
}

export function readText(root: string, file: string): string | null {
  const p = join(root, file);
  return existsSync(p) ? readFileSync(p, 'utf8') : null;
}

function readChartYaml(root: string, dir: string): { metadata: ChartMetadata | null; violations: Violation[] } {
  const file = `${dir}/Chart.yaml`;
  const text = readText(root, file);
  if (text === null) {
    return {
      metadata: null,
      violations: [
        {
          file,
          resource: `Chart/${basename(dir)}`,
          field: '(file)',
          rule: 'chart.yaml-valid',
          message: `${dir} has no Chart.yaml`,
          fix: 'create Chart.yaml (apiVersion, name, version), or point option chart at a chart directory',
        },
      ],
    };
  }
  return chartYamlRules(file, text);
}

export function readChartTree(root: string, dir: string): ChartTree {
  const { metadata, violations } = readChartYaml(root, dir);
  const name = metadata?.name ?? basename(dir);
  const tree: ChartTree = { dir, name, metadata, fileDependencies: [], sources: [{ prefix: name, dir, values: '' }], violations };
  if (!metadata) return tree;
  const deps: Dependency[] = Array.isArray(metadata.dependencies) ? metadata.dependencies : [];
  for (const d of deps) {
    const as = d.alias ?? d.name;
    if (!d.repository?.startsWith('file://')) {
      tree.sources.push({ prefix: `${name}/charts/${as}`, dir: `${dir}/charts/${d.name}`, values: as });
      continue;
    }
    const depDir = relative(root, resolve(root, dir, d.repository.slice('file://'.length))) || '.';
    let found: ResolvedDependency['found'] = null;
    const text = readText(root, `${depDir}/Chart.yaml`);
    if (text !== null) {
      const sub = readChartYaml(root, depDir);
      tree.violations.push(...sub.violations);
      const m = sub.metadata ?? (safeParse(text) as ChartMetadata | null);
      found = { name: m?.name, version: m?.version === undefined ? undefined : String(m.version) };
    }
    tree.fileDependencies.push({ dependency: d, dir: depDir, found });
    tree.sources.push({ prefix: `${name}/charts/${as}`, dir: depDir, values: as });
  }
  tree.violations.push(...fileDependencyRules(`${dir}/Chart.yaml`, name, tree.fileDependencies));
  tree.violations.push(...chartLockRules(dir, name, deps, readText(root, `${dir}/Chart.lock`), tree.fileDependencies));
  // Rendering needs a loadable chart: a broken Chart.yaml or a missing subchart would only make helm repeat it.
  const blocking = tree.violations.some((v) => v.rule !== 'chart.lock-matches');
  if (blocking) tree.metadata = null;
  return tree;
}

function safeParse(text: string): unknown {
  try {
    return parse(text);
  } catch {
    return null;
  }
}

const SKIP = new Set(['node_modules', '.git']);

/** A private copy of the chart with each file:// dependency's sources in its charts/ directory. */
export function assembleChart(root: string, tree: ChartTree): { dir: string; remove(): void } {
  const tmp = mkdtempSync(join(tmpdir(), 'nx-k8s-validate-'));
  const dir = join(tmp, tree.name);
  const packaged = new Set(tree.fileDependencies.map((d) => d.dependency.name));
  cpSync(join(root, tree.dir), dir, {
    recursive: true,
    filter: (src) => {
      const rel = relative(join(root, tree.dir), src);
      if (SKIP.has(basename(src))) return false;
      // A packaged copy of a file:// dependency is a build artifact that may be stale.
      return !(rel.startsWith('charts/') && rel.endsWith('.tgz') && [...packaged].some((name) => basename(rel).startsWith(`${name}-`)));
    },
  });
  for (const d of tree.fileDependencies) {
    cpSync(join(root, d.dir), join(dir, 'charts', d.dependency.name), { recursive: true, filter: (src) => !SKIP.has(basename(src)) });
  }
  return { dir, remove: () => rmSync(tmp, { recursive: true, force: true }) };
}
