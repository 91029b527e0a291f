// Docker Image rules of the data model, on every place an image is named: the values files
// (repository/tag pairs), the rendered containers, and the docker-build targets' repository
// option. Naming itself is image/naming.ts, shared with docker-build.
import { repositoryProblem, tagProblem } from '../../image/naming';
import { containersOf, Manifest, podTemplates, ref } from '../manifests';
import { fieldOf, ValuesLayer } from '../values';
import { Violation } from '../violation';

export interface ImageRef {
  repository: string;
  tag?: string;
  digest?: string;
}

/** Splits `[host[:port]/]path[:tag][@digest]`. */
export function parseImageRef(reference: string): ImageRef {
  const [name, digest] = reference.split('@', 2);
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) return { repository: name.slice(0, colon), tag: name.slice(colon + 1), digest };
  return { repository: name, digest };
}

interface Where {
  file: string;
  line?: number;
  resource?: string;
  /** Field of the repository and of the tag; the same field when both live in one string. */
  repositoryField: string;
  tagField: string;
}

const TAG_FIX = 'use a semantic version (1.4.2) or a descriptive label (20-slim, nx-<hash>)';

export function repositoryViolations(repository: string, w: Omit<Where, 'tagField'>): Violation[] {
  const problem = repositoryProblem(repository);
  if (!problem) return [];
  return [
    {
      file: w.file,
      line: w.line,
      resource: w.resource ?? `Image/${repository}`,
      field: w.repositoryField,
      rule: 'image.repository-name',
      message: `repository ${JSON.stringify(repository)} ${problem}`,
      fix: `use lowercase letters, digits and separators (. _ - /), e.g. ${suggestRepository(repository)}`,
      blame: { value: repository, keys: ['repository'] },
    },
  ];
}

export function tagViolations(image: ImageRef, w: Where): Violation[] {
  const base = { file: w.file, line: w.line, resource: w.resource ?? `Image/${image.repository}`, field: w.tagField };
  if (image.tag === undefined) {
    if (image.digest) return [];
    return [
      {
        ...base,
        rule: 'image.tag-not-latest',
        message: `${image.repository} has no tag, so Docker takes latest, which names no particular content`,
        fix: `pin a tag: ${TAG_FIX}`,
      },
    ];
  }
  if (image.tag === 'latest') {
    return [
      {
        ...base,
        rule: 'image.tag-not-latest',
        message: `tag of ${image.repository} is latest, which names no particular content`,
        fix: TAG_FIX,
        blame: { value: 'latest', keys: ['tag'] },
      },
    ];
  }
  const problem = tagProblem(image.tag);
  if (!problem) return [];
  return [
    {
      ...base,
      rule: 'image.tag-format',
      message: `tag ${JSON.stringify(image.tag)} of ${image.repository} ${problem}`,
      fix: TAG_FIX,
      blame: { value: image.tag, keys: ['tag'] },
    },
  ];
}

export function imageRefViolations(reference: string, w: Where): Violation[] {
  const image = parseImageRef(reference);
  return [...repositoryViolations(image.repository, w), ...tagViolations(image, w)];
}

function suggestRepository(repository: string): string {
  return (
    repository
      .toLowerCase()
      .replace(/[^a-z0-9._/-]+/g, '-')
      .replace(/^[-._]+|[-._]+$/g, '') || 'my-app'
  );
}

/**
 * Images named in a values file: objects with a `repository` and a `tag` (the chart convention,
 * image.repository / image.tag) and strings under an `image` key. An empty tag is the common
 * "default to appVersion" idiom; the rendered containers show whether the chart honours it.
 */
export function valuesImageRules(layer: ValuesLayer): Violation[] {
  const out: Violation[] = [];
  const walk = (node: unknown, path: string[]) => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach((v, i) => walk(v, [...path, String(i)]));
    const obj = node as Record<string, unknown>;
    if (typeof obj.repository === 'string' && 'tag' in obj) {
      const w = { file: layer.file, repositoryField: fieldOf([...path, 'repository']), tagField: fieldOf([...path, 'tag']) };
      out.push(...repositoryViolations(obj.repository, w));
      if (obj.tag !== '' && obj.tag !== null) out.push(...tagViolations({ repository: obj.repository, tag: String(obj.tag) }, w));
    }
    for (const [k, v] of Object.entries(obj)) {
      if (k === 'image' && typeof v === 'string' && v !== '') {
        const field = fieldOf([...path, k]);
        out.push(...imageRefViolations(v, { file: layer.file, repositoryField: field, tagField: field }));
      } else walk(v, [...path, k]);
    }
  };
  walk(layer.tree, []);
  return out.map(({ blame: _, ...v }) => v);
}

/** The images the rendered containers run. */
export function containerImageRules(manifests: readonly Manifest[]): Violation[] {
  const out: Violation[] = [];
  for (const t of podTemplates(manifests)) {
    for (const { c, path } of containersOf(t, true)) {
      if (typeof c.image !== 'string' || c.image === '') continue;
      out.push(...imageRefViolations(c.image, { file: t.owner.file, resource: ref(t.owner), repositoryField: `${path}.image`, tagField: `${path}.image` }));
    }
  }
  return out;
}

/** The repository option of a docker-build target (defaults to the project name). */
export function dockerBuildRepositoryRules(project: string, projectFile: string, repository: string): Violation[] {
  return repositoryViolations(repository, { file: projectFile, repositoryField: 'targets.docker-build.options.repository' }).map((v) => ({
    ...v,
    message: `${v.message} (image of project ${project})`,
    blame: undefined,
  }));
}

/** Where option images is written, for the violation's file and field. */
export interface ImagesOption {
  /** e.g. option images of todo-app's helm-install target */
  name: string;
  file: string;
  field: string;
}

/**
 * Each image value the `images` option names must be read into a container's image: a value no
 * template reads deploys nothing (helm ignores it), and the pod keeps running what the chart names.
 */
export function imageValueReadRules(
  paths: readonly { path: string; project: string }[],
  read: ReadonlySet<string>,
  chart: string,
  option: ImagesOption,
): Violation[] {
  const readPaths = [...read].sort();
  const fix = readPaths.length
    ? `name the image value a template reads instead (read here: ${readPaths.join(', ')})`
    : 'point a container of the chart at it (image: "{{ .Values.<path>.repository }}:{{ .Values.<path>.tag }}"), or name the image with option set';
  return paths
    .filter((p) => !read.has(p.path))
    .map((p) => ({
      file: option.file,
      resource: `Chart/${chart}`,
      field: `${option.field}[${JSON.stringify(p.path)}]`,
      rule: 'image.value-read' as const,
      message: `${option.name} sets ${p.project}'s image at ${p.path}, which no template reads into a container's image, so the deploy would not run it`,
      fix,
    }));
}
