// Which values of a chart take an image, and what to write there. An image value is the value
// itself, named by its path: an object with `repository` and `tag` (frontend.image), one with
// `repository` and `digest` (often beside `registry` and `tag`), or a single "repository:tag"
// string (image: nginx:1.27). The chart's values (its own, each file:// subchart's under its
// alias, and the configuration's values files) say which shape a path has; inference links each
// `image` value whose repository an image project builds to that project, so a chart deploys its
// apps without naming a project anywhere.
import { existsSync, readdirSync, readFileSync } from 'fs';
import { join, resolve } from 'path';
import { parse } from 'yaml';
import type { ClusterImage } from '../load';
import { valuesPath } from './values';

export interface ImageProject {
  project: string;
  /** The repository its docker-build target builds. */
  repository: string;
}

/** How a chart takes one image; `registry`: the host is a value of its own. */
export type ImageShape =
  | { kind: 'repository-tag'; registry: boolean }
  /** `tag`: the chart also has a tag, used when the loaded image has no digest. */
  | { kind: 'repository-digest'; registry: boolean; tag: boolean }
  | { kind: 'reference' };

export interface ImageValue {
  /** Values path of the image value itself, e.g. frontend.image. */
  path: string;
  shape: ImageShape;
  /** The repository the chart's values name there (registry/repository when it has a registry). */
  repository: string;
}

type Tree = Record<string, unknown>;

interface ChartYaml {
  dependencies?: Array<{ name?: string; alias?: string; repository?: string }>;
}

const isTree = (v: unknown): v is Tree => !!v && typeof v === 'object' && !Array.isArray(v);

function readYaml(file: string): unknown {
  try {
    return parse(readFileSync(file, 'utf8'));
  } catch {
    // A broken file is validate's to report; here it only holds no values.
    return null;
  }
}

/** Later values win key by key; null deletes a key, as in helm. */
function merge(into: Tree, layer: unknown): Tree {
  if (!isTree(layer)) return into;
  for (const [k, v] of Object.entries(layer)) {
    if (v === null) delete into[k];
    else if (isTree(v)) into[k] = merge(isTree(into[k]) ? { ...(into[k] as Tree) } : {}, v);
    else into[k] = v;
  }
  return into;
}

function nest(prefix: string[], tree: unknown): unknown {
  return prefix.reduceRight<unknown>((inner, key) => ({ [key]: inner }), tree);
}

/** The chart's values.yaml and its file:// subcharts' (under their aliases), subcharts first, as helm layers them. */
function chartLayers(chartDir: string, prefix: string[], seen: Set<string>): unknown[] {
  if (seen.has(chartDir) || !existsSync(join(chartDir, 'Chart.yaml'))) return [];
  seen.add(chartDir);
  const chart = (readYaml(join(chartDir, 'Chart.yaml')) ?? {}) as ChartYaml;
  const layers: unknown[] = [];
  for (const d of Array.isArray(chart.dependencies) ? chart.dependencies : []) {
    if (!d?.repository?.startsWith('file://') || !d.name) continue;
    layers.push(...chartLayers(resolve(chartDir, d.repository.slice('file://'.length)), [...prefix, d.alias ?? d.name], seen));
  }
  if (existsSync(join(chartDir, 'values.yaml'))) layers.push(nest(prefix, readYaml(join(chartDir, 'values.yaml'))));
  return layers;
}

/** The values one configuration renders with: the chart's and its file:// subcharts', then `valuesFiles` (absolute) in order. */
export function chartValues(chartDir: string, valuesFiles: readonly string[]): Tree {
  const layers = [...chartLayers(chartDir, [], new Set()), ...valuesFiles.map(readYaml)];
  return layers.reduce<Tree>((tree, layer) => merge(tree, layer), {});
}

/** The chart's configurations as their values files: none, and each values-<name>.yaml beside values.yaml. */
function environmentFiles(chartDir: string): string[] {
  if (!existsSync(chartDir)) return [];
  return readdirSync(chartDir)
    .filter((f) => /^values-.+\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(chartDir, f));
}

/** "registry:5000/app:1.2@sha256:..." -> "registry:5000/app" */
export function repositoryOf(reference: string): string {
  const name = reference.split('@')[0];
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
}

/** The shape of one value, or null when it takes no image. */
export function imageShape(value: unknown): ImageShape | null {
  if (typeof value === 'string') return value.trim() ? { kind: 'reference' } : null;
  if (!isTree(value) || typeof value.repository !== 'string') return null;
  const registry = 'registry' in value;
  if ('digest' in value) return { kind: 'repository-digest', registry, tag: 'tag' in value };
  // A chart without a tag value usually defaults it (to its appVersion): the tag is still set.
  return { kind: 'repository-tag', registry };
}

function imageValue(path: string, value: unknown): ImageValue | null {
  const shape = imageShape(value);
  if (!shape) return null;
  if (shape.kind === 'reference') return { path, shape, repository: repositoryOf(value as string) };
  const v = value as { registry?: unknown; repository: string };
  const registry = typeof v.registry === 'string' && v.registry ? `${v.registry}/` : '';
  return { path, shape, repository: `${registry}${v.repository}` };
}

const escapeKey = (key: string) => key.replace(/\./g, '\\.');

/** Every value under a key named `image` that takes an image, by path. */
export function imageValuesIn(tree: unknown, prefix: string[] = []): ImageValue[] {
  if (!isTree(tree)) return [];
  const out: ImageValue[] = [];
  for (const [key, value] of Object.entries(tree)) {
    const path = [...prefix, escapeKey(key)];
    const found = key === 'image' ? imageValue(path.join('.'), value) : null;
    if (found) out.push(found);
    else out.push(...imageValuesIn(value, path));
  }
  return out;
}

/** A chart's image repository names an image project's when equal, also with Docker Hub's implicit registry spelled out. */
function sameRepository(chart: string, project: string): boolean {
  const plain = (r: string) => r.replace(/^(docker\.io|index\.docker\.io)\/(library\/)?/, '');
  return chart === project || plain(chart) === plain(project);
}

function deployedIn(tree: Tree, projects: readonly ImageProject[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of imageValuesIn(tree)) {
    const p = projects.find((p) => sameRepository(v.repository, p.repository));
    if (p) out[v.path] = p.project;
  }
  return out;
}

/**
 * Image value path -> image project, for the chart at chartDir: in the values of `valuesFiles`
 * when given (one configuration), else in those of every configuration (the project graph's
 * edges hold for all of them).
 */
export function imagesDeployedBy(chartDir: string, projects: readonly ImageProject[], valuesFiles?: readonly string[]): Record<string, string> {
  const configurations = valuesFiles ? [valuesFiles] : [[], ...environmentFiles(chartDir).map((f) => [f])];
  const out: Record<string, string> = {};
  for (const files of configurations) Object.assign(out, deployedIn(chartValues(chartDir, files), projects));
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** The value at a path of the `images` option (a backslash keeps a dot in a key), undefined when there is none. */
function valueAt(tree: Tree, path: string): unknown {
  let node: unknown = tree;
  for (const key of valuesPath(path)) node = isTree(node) && key in node ? node[key] : undefined;
  return node;
}

export interface ResolvedImage {
  path: string;
  project: string;
  shape: ImageShape;
}

/**
 * Checks each path of an explicit `images` option against the configuration's values: it must
 * name an existing image value. `option` names the option in the one-line refusal
 * ("option images of todo-app:helm-install").
 */
export function resolveImagePaths(images: Record<string, string>, tree: Tree, option: string, where: string): ResolvedImage[] {
  const found = imageValuesIn(tree)
    .map((v) => v.path)
    .sort();
  const seeAlso = found.length ? ` (image values there: ${found.join(', ')})` : '';
  return Object.entries(images)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([path, project]) => {
      if (path === '')
        throw new Error(`${option}: the key "" names no value. Fix: name the image value itself: "image" for the chart's own image.repository/tag${seeAlso}`);
      const value = valueAt(tree, path);
      if (value === undefined)
        throw new Error(
          `${option}: ${path} is not a value of ${where}. Fix: name an image value the chart's values hold${seeAlso}, or add ${path} to its values.yaml`,
        );
      const shape = imageShape(value);
      if (!shape) {
        const inside = imageValuesIn(value, valuesPath(path).map(escapeKey)).map((v) => v.path);
        const hint = inside.length ? `name the image value itself: ${inside.join(', ')}` : `name an image value${seeAlso}`;
        throw new Error(
          `${option}: ${path} in ${where} is not an image value (an object with repository and tag or digest, or one "repository:tag" string). Fix: ${hint}`,
        );
      }
      return { path, project, shape };
    });
}

/** What one loaded image sets at one image value; '' for a digest the load stage did not record. */
export function valuesForImage(image: ResolvedImage, loaded: ClusterImage, option: string): Record<string, string> {
  const { path, shape } = image;
  if (shape.kind === 'reference') return { [path]: loaded.ref };
  const out: Record<string, string> = {};
  if (shape.registry) {
    // registry/repository in two values: a repository without a host is Docker Hub's, as the runtime reads it.
    const slash = loaded.repository.indexOf('/');
    const host = slash > 0 && /[.:]|^localhost$/.test(loaded.repository.slice(0, slash)) ? loaded.repository.slice(0, slash) : null;
    out[`${path}.registry`] = host ?? 'docker.io';
    out[`${path}.repository`] = host ? loaded.repository.slice(slash + 1) : loaded.repository;
  } else out[`${path}.repository`] = loaded.repository;
  if (shape.kind === 'repository-tag') return { ...out, [`${path}.tag`]: loaded.tag };
  if (loaded.digest) return { ...out, ...(shape.tag ? { [`${path}.tag`]: loaded.tag } : {}), [`${path}.digest`]: loaded.digest };
  if (!shape.tag)
    throw new Error(
      `${option}: ${path} takes the image by digest only and the loaded image ${loaded.ref} of ${image.project} has no recorded digest. Fix: name a value with a tag, or set the image with option set`,
    );
  // An empty digest makes such charts fall back to the tag.
  return { ...out, [`${path}.tag`]: loaded.tag, [`${path}.digest`]: '' };
}
