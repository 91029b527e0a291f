// The rendered release as data: each manifest with the source file it came from, and the pod
// templates of its workloads. Rules navigate parsed YAML, so the documents stay untyped.
import { parseAllDocuments } from 'yaml';

/**
 * Parsed YAML of a rendered chart: any shape at all. Each rule checks the fields it reads
 * (Array.isArray, typeof) where it reads them, so the documents are navigated untyped.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- user YAML has no static shape; every read is checked by the rule that makes it
export type Yaml = any;

export interface Manifest {
  kind: string;
  name: string;
  namespace?: string;
  /** Workspace-relative template file, e.g. charts/frontend/templates/deployment.yaml. */
  file: string;
  /** Values path of the chart that rendered it: '' for the umbrella, 'frontend' for a subchart. */
  chart: string;
  // Parsed YAML: rules check its shape themselves.
  doc: Yaml;
}

/** Where a chart's templates come from: helm's `# Source: todo-app/charts/backend/...` prefix -> source directory. */
export interface ChartSource {
  /** e.g. todo-app/charts/backend */
  prefix: string;
  /** Workspace-relative chart directory, e.g. charts/backend. */
  dir: string;
  /** Values path of the chart ('' for the umbrella). */
  values: string;
}

export function sourceFile(source: string, charts: readonly ChartSource[]): { file: string; chart: string } {
  const c = [...charts].sort((a, b) => b.prefix.length - a.prefix.length).find((c) => source.startsWith(`${c.prefix}/`));
  if (!c) return { file: source, chart: '' };
  return { file: `${c.dir}/${source.slice(c.prefix.length + 1)}`, chart: c.values };
}

/** Parses `helm template` output. Documents that are not objects with a kind are returned as `invalid`. */
export function parseRendered(stdout: string, charts: readonly ChartSource[]): { manifests: Manifest[]; invalid: Array<{ file: string; problem: string }> } {
  const manifests: Manifest[] = [];
  const invalid: Array<{ file: string; problem: string }> = [];
  for (const d of parseAllDocuments(stdout)) {
    const text = stdout.slice(d.range[0], d.range[2]);
    const source = /^# Source: (.+)$/m.exec(text)?.[1] ?? (d.contents?.commentBefore ?? '').replace(/^\s*Source:\s*/, '');
    const { file, chart } = sourceFile(source.trim(), charts);
    if (d.errors.length) {
      invalid.push({ file, problem: d.errors[0].message.split('\n')[0] });
      continue;
    }
    const doc = d.toJS();
    if (doc === null || doc === undefined) continue;
    if (typeof doc !== 'object' || Array.isArray(doc) || typeof doc.kind !== 'string' || typeof doc.apiVersion !== 'string') {
      invalid.push({ file, problem: 'a rendered document is not a Kubernetes object (apiVersion, kind, metadata.name)' });
      continue;
    }
    if (typeof doc.metadata?.name !== 'string' || doc.metadata.name === '') {
      invalid.push({ file, problem: `the rendered ${doc.kind} has no metadata.name` });
      continue;
    }
    manifests.push({ kind: doc.kind, name: doc.metadata.name, namespace: doc.metadata.namespace, file, chart, doc });
  }
  return { manifests, invalid };
}

export interface PodTemplate {
  owner: Manifest;
  /** Dotted path of the pod spec in the owner, e.g. spec.template.spec. */
  path: string;
  labels: Record<string, string>;
  spec: Yaml;
}

const TEMPLATE_PATH: Record<string, string[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

/** The pod (template) of a workload or a bare Pod, or null for other kinds. */
export function podTemplate(m: Manifest): PodTemplate | null {
  if (m.kind === 'Pod') return { owner: m, path: 'spec', labels: m.doc.metadata?.labels ?? {}, spec: m.doc.spec ?? {} };
  const path = TEMPLATE_PATH[m.kind];
  if (!path) return null;
  let t: Yaml = m.doc;
  for (const p of path) t = t?.[p];
  return { owner: m, path: `${path.join('.')}.spec`, labels: t?.metadata?.labels ?? {}, spec: t?.spec ?? {} };
}

export function podTemplates(manifests: readonly Manifest[]): PodTemplate[] {
  return manifests.map(podTemplate).filter((t): t is PodTemplate => t !== null);
}

/** Containers of a pod spec with their field paths; init containers too when asked. */
export function containersOf(t: PodTemplate, withInit = false): Array<{ c: Yaml; path: string }> {
  const lists = withInit ? ['initContainers', 'containers'] : ['containers'];
  const out: Array<{ c: Yaml; path: string }> = [];
  for (const list of lists) {
    const cs = Array.isArray(t.spec[list]) ? t.spec[list] : [];
    cs.forEach((c: Yaml, i: number) => out.push({ c: c ?? {}, path: `${t.path}.${list}[${typeof c?.name === 'string' ? c.name : i}]` }));
  }
  return out;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** Whether a label selector (Deployment style, or a Service's plain map) selects these labels. */
export function selects(selector: LabelSelector | Record<string, string>, labels: Record<string, string>, plainMap = false): boolean {
  const s: LabelSelector = plainMap ? { matchLabels: selector as Record<string, string> } : (selector as LabelSelector);
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (labels[k] !== String(v)) return false;
  for (const e of s.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = (e.values ?? []).map(String);
    if (e.operator === 'In' && !(has && values.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && values.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

export function ref(m: Manifest): string {
  return `${m.kind}/${m.name}`;
}
