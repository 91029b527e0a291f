// The validation stage: every Validation Rule of the data model, checked before anything touches
// the cluster. Reading files, `git ls-files` and `helm template` (through the adapters) are the
// only effects; the rules are pure functions over what they produce.
import { join } from 'path';
import { parseDocument } from 'yaml';
import { TemplateOptions } from '../adapters/helm';
import { RunResult } from '../adapters/run';
import { Scalar, valuesTree } from '../release/values';
import { assembleChart, ChartTree, readChartTree, readText } from './chart-files';
import { ChartSource, parseRendered } from './manifests';
import { configMapRules, secretRules } from './rules/config';
import { deploymentRules } from './rules/deployment';
import { dockerfileRules } from './rules/dockerfile';
import type { ImageValue } from '../release/images';
import { imageProbe, readImagePaths } from './image-probe';
import { containerImageRules, dockerBuildRepositoryRules, imageValueReadRules, ImagesOption, valuesImageRules } from './rules/image';
import { podRules } from './rules/pod';
import { invalidManifestRule, isSchemaError, renderErrorRule, schemaRules } from './rules/render';
import { committedSecretRules } from './rules/secret-committed';
import { yamlError } from './rules/chart';
import { serviceRules } from './rules/service';
import { ValuesLayer, whoHolds } from './values';
import { Verdict, verdict, withoutTestHooks } from './policy';
import { mergeViolations, RuleId, Violation } from './violation';

export { formatViolation, mergeViolations } from './violation';
export type { RuleId, Violation } from './violation';
export type { ImagesOption } from './rules/image';

/** Where a violation of a value from helm-install's `set` option is reported. */
export const SET_SOURCE = "helm-install's option set";

export interface ValidationSpec {
  /** Absolute workspace root; every other path is relative to it. */
  root: string;
  chart: string;
  release: string;
  namespace: string;
  /** Configuration name -> values files (relative to the chart) layered over the chart's values.yaml. */
  configurations: Record<string, string[]>;
  /** Configuration name -> helm-install's `set` values for it (applied after the files, as the deploy does). */
  set?: Record<string, Record<string, Scalar>>;
  dockerfiles: Array<{ file: string; listedBy: string }>;
  /** docker-build repositories of the projects whose images the chart runs. */
  repositories: Array<{ project: string; projectFile: string; repository: string }>;
  /** Rendered for this Kubernetes version (helm template --kube-version); absent: helm's default. */
  kubeVersion?: string;
  /** Rules switched off for this chart -> why. */
  rulesOff: ReadonlyMap<RuleId, string>;
  /** Violations inside third-party subcharts fail the task too (else they are warnings). */
  strictSubcharts: boolean;
  /** The image values option images names, per configuration, with every image value of its values (the templates must read the named ones). */
  images?: { option: ImagesOption; configurations: Record<string, { named: Array<{ path: string; project: string }>; candidates: ImageValue[] }> };
}

export interface ValidationTools {
  template(release: string, chart: string, namespace: string, valuesFiles: string[], stdinValues: string | null, options?: TemplateOptions): Promise<RunResult>;
  /** Workspace-relative files git tracks under these paths; null when the workspace is not a git repository. */
  tracked(paths: string[]): Promise<Set<string> | null>;
}

export interface ValidationResult extends Verdict {
  /** Configuration -> number of rendered manifests (absent when it could not be rendered). */
  rendered: Record<string, number>;
  /** `helm test` hooks left out of the checks, over all configurations, by kind and template (their names may be random). */
  testHooks: string[];
}

interface ValuesFile {
  layer: ValuesLayer | null;
  violations: Violation[];
}

/** A values file as a layer; `configuration` names the configuration that lists it (its absence is then an error). */
function readValuesFile(root: string, file: string, prefix: string, chartName: string, configuration: string | null): ValuesFile {
  const text = readText(root, file);
  const base = { file, resource: `Chart/${chartName}`, field: '(file)', rule: 'chart.templates-render' as const };
  if (text === null) {
    if (!configuration) return { layer: { file, prefix, tree: {} }, violations: [] };
    return {
      layer: null,
      violations: [{ ...base, message: `values file of configuration ${configuration} does not exist`, fix: 'create it, or remove it from the configuration' }],
    };
  }
  const doc = parseDocument(text);
  if (doc.errors.length) {
    const e = doc.errors[0];
    return {
      layer: null,
      violations: [
        {
          ...base,
          line: e.linePos?.[0].line,
          message: `values file is not valid YAML, so the chart cannot render: ${yamlError(e.message)}`,
          fix: 'correct the YAML syntax (indentation, quoting)',
        },
      ],
    };
  }
  return { layer: { file, prefix, tree: doc.toJS() ?? {} }, violations: [] };
}

/** The chart (by source directory) a workspace file belongs to, as a values path. */
function chartOf(file: string, sources: readonly ChartSource[]): string {
  return [...sources].sort((a, b) => b.dir.length - a.dir.length).find((s) => file.startsWith(`${s.dir}/`))?.values ?? '';
}

/** Points a rendered-manifest violation at the values file and key that set the offending value. */
function blame(v: Violation, layers: readonly ValuesLayer[], sources: readonly ChartSource[]): Violation {
  const { blame: hint, ...rest } = v;
  if (!hint) return rest;
  const at = whoHolds(layers, chartOf(v.file, sources), hint);
  return at ? { ...rest, file: at.file, field: at.field, line: undefined } : rest;
}

/** Named image values no template reads: rendered once more with a marker in every image value (see image-probe). */
async function unreadImageValues(
  spec: ValidationSpec,
  tools: ValidationTools,
  tree: ChartTree,
  chartCopy: string,
  name: string,
  valuesFiles: string[],
): Promise<Violation[]> {
  const images = spec.images?.configurations[name];
  if (!spec.images || !images?.named.length) return [];
  const probe = imageProbe(images.candidates);
  // As the deploy layers them: set < images.
  const values = JSON.stringify(valuesTree(spec.set?.[name] ?? {}, probe.values));
  const kube = spec.kubeVersion ? { kubeVersion: spec.kubeVersion } : {};
  const r = await tools.template(spec.release, chartCopy, spec.namespace, valuesFiles, values, { ...kube, skipSchemaValidation: true });
  // A chart that renders only with its own image values fails its main render too, reported there.
  if (r.exitCode !== 0) return [];
  const { manifests } = withoutTestHooks(parseRendered(r.stdout, tree.sources).manifests);
  return imageValueReadRules(images.named, readImagePaths(probe, manifests), tree.name, spec.images.option);
}

async function renderConfiguration(
  spec: ValidationSpec,
  tools: ValidationTools,
  tree: ChartTree,
  chartCopy: string,
  name: string,
  layers: ValuesLayer[],
  tracked: Promise<Set<string> | null>,
): Promise<{ violations: Violation[]; manifests: number; testHooks: string[] }> {
  const configured = spec.configurations[name].map((f) => join(spec.chart, f));
  const valuesFiles = configured.map((f) => join(spec.root, f));
  const kube = spec.kubeVersion ? { kubeVersion: spec.kubeVersion } : {};
  const set = spec.set?.[name] ?? {};
  const setValues = Object.keys(set).length ? JSON.stringify(valuesTree(set)) : null;
  let r = await tools.template(spec.release, chartCopy, spec.namespace, valuesFiles, setValues, kube);
  const found: Violation[] = [];
  if (r.exitCode !== 0 && isSchemaError(r.stderr)) {
    found.push(...schemaRules(r.stderr, tree.sources, layers));
    // Check the rest of the rules on what the values would render.
    r = await tools.template(spec.release, chartCopy, spec.namespace, valuesFiles, setValues, { ...kube, skipSchemaValidation: true });
  }
  if (r.exitCode !== 0) return { violations: [...found, renderErrorRule(r.stderr, tree.sources, `${tree.dir}/Chart.yaml`)], manifests: 0, testHooks: [] };
  const parsed = parseRendered(r.stdout, tree.sources);
  const invalid = parsed.invalid;
  // `helm test` pods never run with the release: not part of what the rules check.
  const { manifests, testHooks } = withoutTestHooks(parsed.manifests);
  found.push(...invalid.map((i) => invalidManifestRule(i.file, i.problem, tree.name)));
  found.push(
    ...deploymentRules(manifests),
    ...serviceRules(manifests),
    ...configMapRules(manifests),
    ...secretRules(manifests),
    ...podRules(manifests),
    ...containerImageRules(manifests),
  );
  // Outside a git repository every file counts as committed: a secret in a values file is still in the wrong place.
  const files = await tracked;
  const isTracked = (f: string) => files === null || files.has(f);
  // The Secret rule looks at what the committed values files alone render (no secrets from the
  // environment either): an untracked values file is how a secret may arrive locally.
  let committed = manifests;
  if (!configured.every(isTracked)) {
    const c = await tools.template(
      spec.release,
      chartCopy,
      spec.namespace,
      configured.filter(isTracked).map((f) => join(spec.root, f)),
      setValues,
      { ...kube, skipSchemaValidation: true },
    );
    committed = c.exitCode === 0 ? withoutTestHooks(parseRendered(c.stdout, tree.sources).manifests).manifests : [];
  }
  found.push(...committedSecretRules(committed, layers, { tracked: isTracked, text: (f) => readText(spec.root, f) }));
  found.push(...(await unreadImageValues(spec, tools, tree, chartCopy, name, valuesFiles)));
  return {
    violations: found.map((v) => blame(v, layers, tree.sources)),
    manifests: manifests.length,
    testHooks: testHooks.map((m) => `${m.kind} of ${m.file}`),
  };
}

export async function validateRelease(spec: ValidationSpec, tools: ValidationTools): Promise<ValidationResult> {
  const tree = readChartTree(spec.root, spec.chart);
  const violations: Violation[] = [...tree.violations];
  const rendered: Record<string, number> = {};
  const testHooks = new Set<string>();

  for (const d of spec.dockerfiles) violations.push(...dockerfileRules(d.file, readText(spec.root, d.file), d.listedBy));
  for (const r of spec.repositories) violations.push(...dockerBuildRepositoryRules(r.project, r.projectFile, r.repository));

  // Values files in helm's order: subcharts' values.yaml < the chart's values.yaml < the configuration's files.
  const cache = new Map<string, ValuesFile>();
  const values = (file: string, prefix: string, configuration: string | null) => {
    if (!cache.has(file)) cache.set(file, readValuesFile(spec.root, file, prefix, tree.name, configuration));
    return cache.get(file)!;
  };
  const chartLayers = [
    ...tree.fileDependencies.map((d) => values(`${d.dir}/values.yaml`, d.dependency.alias ?? d.dependency.name, null)),
    values(`${spec.chart}/values.yaml`, '', null),
  ];
  const configurations = Object.entries(spec.configurations).map(([name, files]) => {
    const all = [...chartLayers, ...files.map((f) => values(join(spec.chart, f), '', name))];
    const layers = all.map((v) => v.layer).filter((l): l is ValuesLayer => l !== null);
    // helm-install's `set` comes last, so a violation of a value it sets is blamed on it.
    const set = spec.set?.[name] ?? {};
    if (Object.keys(set).length) layers.push({ file: SET_SOURCE, prefix: '', tree: valuesTree(set) });
    return { name, all, layers, renderable: all.every((v) => v.layer !== null) };
  });
  for (const v of cache.values()) {
    violations.push(...v.violations);
    if (v.layer) violations.push(...valuesImageRules(v.layer));
  }

  const renderable = configurations.filter((c) => c.renderable);
  if (tree.metadata && renderable.length) {
    const tracked = tools.tracked([
      spec.chart,
      ...tree.fileDependencies.map((d) => d.dir),
      ...Object.values(spec.configurations)
        .flat()
        .map((f) => join(spec.chart, f)),
    ]);
    const copy = assembleChart(spec.root, tree);
    try {
      const results = await Promise.all(
        renderable.map(async (c) => {
          const r = await renderConfiguration(spec, tools, tree, copy.dir, c.name, c.layers, tracked);
          rendered[c.name] = r.manifests;
          r.testHooks.forEach((h) => testHooks.add(h));
          return r.violations.map((v) => ({ ...v, configurations: [c.name] }));
        }),
      );
      violations.push(...results.flat());
    } finally {
      copy.remove();
    }
  }
  const decided = verdict(mergeViolations(violations), {
    rulesOff: spec.rulesOff,
    strictSubcharts: spec.strictSubcharts,
    chartDir: spec.chart,
    fileDependencyDirs: tree.fileDependencies.map((d) => d.dir),
  });
  return { ...decided, rendered, testHooks: [...testHooks].sort() };
}
