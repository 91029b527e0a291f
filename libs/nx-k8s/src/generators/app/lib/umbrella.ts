// The umbrella chart an app's subchart joins: which charts are releases, the shared ConfigMap and
// Secret its apps read, and the edits that wire a subchart in (Chart.yaml dependency, values,
// values.schema.json, Chart.lock). Edits keep the files' comments and add only what is missing,
// so a second run changes nothing.
import { readJson, Tree, visitNotIgnoredFiles, writeJson } from '@nx/devkit';
import { posix } from 'path';
import { Document, isMap, isScalar, parse, parseDocument, Scalar, stringify, YAMLMap, YAMLSeq } from 'yaml';
import { Dependency, lockDigest } from '../../../validate/rules/chart';

interface ChartYaml {
  name?: string;
  version?: string;
  dependencies?: Dependency[];
}

function readYaml<T>(tree: Tree, file: string): T | null {
  try {
    return (parse(tree.read(file, 'utf-8') ?? '') as T) ?? null;
  } catch {
    return null;
  }
}

/** Directory of a file:// dependency of the chart in `dir`. */
const dependencyDir = (dir: string, repository: string) => posix.normalize(posix.join(dir, repository.slice('file://'.length)));

/**
 * Chart directories that are releases, as the plugin infers them: of the Chart.yaml files it
 * reads (`infers`), those no other chart uses as a file:// dependency or vendors under its charts/.
 */
export function releaseCharts(tree: Tree, infers: (chartFile: string) => boolean): string[] {
  const files: string[] = [];
  visitNotIgnoredFiles(tree, '', (f) => {
    if (posix.basename(f) === 'Chart.yaml' && infers(f)) files.push(f);
  });
  const dirs = files.map((f) => posix.dirname(f));
  const subcharts = new Set<string>();
  for (const dir of dirs) {
    for (const other of dirs) if (other.startsWith(`${dir}/charts/`)) subcharts.add(other);
    for (const d of readYaml<ChartYaml>(tree, `${dir}/Chart.yaml`)?.dependencies ?? [])
      if (d?.repository?.startsWith('file://')) subcharts.add(dependencyDir(dir, d.repository));
  }
  return dirs.filter((d) => !subcharts.has(d)).sort();
}

export type SharedKind = 'ConfigMap' | 'Secret';

/** The ConfigMaps and Secrets an umbrella's templates declare: their literal name, or null when a template computes it. */
function declaredResources(tree: Tree, umbrellaDir: string): Array<{ kind: SharedKind; name: string | null; file: string }> {
  const templates = `${umbrellaDir}/templates`;
  const out: Array<{ kind: SharedKind; name: string | null; file: string }> = [];
  for (const f of tree.children(templates).sort()) {
    if (!/\.ya?ml$/.test(f)) continue;
    const file = `${templates}/${f}`;
    // Go templates are not YAML: the kind and metadata.name lines are read as text.
    for (const doc of (tree.read(file, 'utf-8') ?? '').split(/^---.*$/m)) {
      const kind = /^kind:[ \t]*["']?(ConfigMap|Secret)["']?[ \t]*$/m.exec(doc)?.[1] as SharedKind | undefined;
      if (!kind) continue;
      const raw = /^metadata:[ \t]*\n(?:[ \t]+.*\n)*?[ \t]+name:[ \t]*(.+?)[ \t]*$/m.exec(doc)?.[1];
      out.push({ kind, name: raw && !raw.includes('{{') ? raw.replace(/^["']|["']$/g, '') : null, file });
    }
  }
  return out;
}

/** The umbrella's shared ConfigMap or Secret: the one it declares, or `fallback` to create when it has none. */
export function sharedResource(tree: Tree, umbrellaDir: string, kind: SharedKind, fallback: string): { name: string; create: boolean } {
  const found = declaredResources(tree, umbrellaDir).filter((r) => r.kind === kind);
  if (found.length === 0) return { name: fallback, create: true };
  if (found.length === 1 && found[0].name) return { name: found[0].name, create: false };
  const list = found.map((r) => `${r.name ?? '(a computed name)'} in ${r.file}`).join(', ');
  throw new Error(
    `umbrella chart ${umbrellaDir} declares ${found.length > 1 ? 'several' : 'a'} ${kind}${found.length > 1 ? 's' : ''} (${list}), so the one its apps share is not known. Fix: keep one ${kind} with a literal metadata.name there, or choose another umbrella with --umbrella`,
  );
}

/** Long lines stay as written: helm reads them either way, people diff them. */
const write = (doc: Document) => doc.toString({ lineWidth: 0 });

function readDocument(tree: Tree, file: string): Document {
  const doc: Document = parseDocument(tree.read(file, 'utf-8') ?? '');
  if (doc.errors.length) throw new Error(`${file} is not valid YAML: ${doc.errors[0].message.split('\n')[0]}. Fix: correct it, then run the generator again`);
  if (doc.contents === null) doc.contents = doc.createNode({});
  if (!isMap(doc.contents)) throw new Error(`${file} is not a YAML mapping. Fix: correct it, then run the generator again`);
  return doc;
}

/** Adds the file:// dependency on the subchart to the umbrella's Chart.yaml; false when it is there already. */
export function addDependency(tree: Tree, umbrellaDir: string, chartName: string, version: string): boolean {
  const file = `${umbrellaDir}/Chart.yaml`;
  const doc = readDocument(tree, file);
  const repository = `file://../${chartName}`;
  const existing = ((doc.toJS() as ChartYaml).dependencies ?? []).find((d) => d?.name === chartName);
  if (existing) {
    if (existing.repository !== repository)
      throw new Error(
        `${file} already has a dependency ${chartName} from ${existing.repository}, not ${repository}. Fix: rename or remove that dependency, or choose another umbrella with --umbrella`,
      );
    return false;
  }
  if (!doc.has('dependencies')) doc.set('dependencies', doc.createNode([]));
  (doc.get('dependencies') as YAMLSeq).add(doc.createNode({ name: chartName, version, repository }));
  tree.write(file, write(doc));
  return true;
}

const quoted = (value: string) => Object.assign(new Scalar(value), { type: Scalar.QUOTE_DOUBLE });

/**
 * Sets `<chart>.image` (repository, tag) in the umbrella's values, the value the plugin reads to
 * deploy the image project; false when it is there already with that repository.
 */
export function addImageValues(tree: Tree, umbrellaDir: string, chartName: string, image: { repository: string; tag: string }, comment: string): boolean {
  const file = `${umbrellaDir}/values.yaml`;
  const doc = readDocument(tree, file);
  const present = doc.getIn([chartName, 'image', 'repository']);
  if (present !== undefined) {
    if (present !== image.repository)
      throw new Error(
        `${file} sets ${chartName}.image.repository to ${JSON.stringify(present)}, not ${image.repository} (the repository the project's docker-build builds), so deploy would not run its image. Fix: set it to ${image.repository}`,
      );
    return false;
  }
  const value = doc.createNode({ repository: image.repository, tag: quoted(image.tag) });
  const node = doc.get(chartName, true);
  if (isMap(node)) {
    node.set('image', value);
    node.flow = false;
  } else {
    const map = doc.contents as YAMLMap;
    map.items = map.items.filter((p) => !(isScalar(p.key) ? p.key.value === chartName : p.key === chartName));
    const pair = doc.createPair(chartName, doc.createNode({ image: value }));
    Object.assign(pair.key as Scalar, { commentBefore: ` ${comment}`, spaceBefore: map.items.length > 0 });
    map.items.push(pair);
  }
  tree.write(file, write(doc));
  return true;
}

/** global.<key>: {} in the umbrella's values for each key its shared templates read and it lacks. */
export function addGlobalValues(tree: Tree, umbrellaDir: string, keys: string[]): void {
  const file = `${umbrellaDir}/values.yaml`;
  const doc = readDocument(tree, file);
  const missing = keys.filter((k) => !doc.hasIn(['global', k]));
  if (!missing.length) return;
  for (const k of missing) doc.setIn(['global', k], doc.createNode({}));
  tree.write(file, write(doc));
}

/** A values.schema.json that refuses unknown top-level keys would refuse the subchart's values: it gains the key. */
export function addSchemaProperty(tree: Tree, umbrellaDir: string, chartName: string): boolean {
  const file = `${umbrellaDir}/values.schema.json`;
  if (!tree.exists(file)) return false;
  const schema = readJson<{ additionalProperties?: unknown; properties?: Record<string, unknown> }>(tree, file);
  if (schema.additionalProperties !== false || schema.properties?.[chartName]) return false;
  schema.properties = { ...schema.properties, [chartName]: { description: `Values of the ${chartName} subchart, which validates them.`, type: 'object' } };
  writeJson(tree, file, schema);
  return true;
}

/**
 * Chart.lock as `helm dependency update` writes it for file:// dependencies (each at its chart's
 * version; other dependencies as the existing lock has them), with Helm's digest, so validate
 * and `helm dependency build` accept it. Unchanged dependencies keep the file as it is.
 */
export function writeChartLock(tree: Tree, umbrellaDir: string): boolean {
  const file = `${umbrellaDir}/Chart.lock`;
  const requested = readYaml<ChartYaml>(tree, `${umbrellaDir}/Chart.yaml`)?.dependencies ?? [];
  const old = tree.exists(file) ? readYaml<{ dependencies?: Dependency[]; digest?: string }>(tree, file) : null;
  const locked = requested.map((d): Dependency => {
    if (d.repository?.startsWith('file://')) {
      const dir = dependencyDir(umbrellaDir, d.repository);
      const version = readYaml<ChartYaml>(tree, `${dir}/Chart.yaml`)?.version;
      if (!version) throw new Error(`dependency ${d.name} of ${umbrellaDir}/Chart.yaml: ${dir}/Chart.yaml has no version. Fix: give it version: 0.1.0`);
      return { name: d.name, repository: d.repository, version: String(version) };
    }
    const prev = old?.dependencies?.find((l) => l.name === d.name);
    if (!prev) throw new Error(`dependency ${d.name} of ${umbrellaDir}/Chart.yaml is not in its Chart.lock. Fix: run helm dependency update ${umbrellaDir}`);
    return prev;
  });
  const digest = lockDigest(requested, locked);
  if (old?.digest === digest && JSON.stringify(old.dependencies) === JSON.stringify(locked)) return false;
  tree.write(file, stringify({ dependencies: locked, digest, generated: quoted(new Date().toISOString()) }));
  return true;
}
