// The values files of one configuration, in helm's order (subchart values.yaml < umbrella
// values.yaml < -f files in order), and the questions the rules ask of them: which file sets
// this path, which file holds this rendered value. That is how a violation found in a rendered
// manifest points at the values file to edit rather than at the template that copied it.

export interface ValuesLayer {
  /** Workspace-relative path. */
  file: string;
  /** Values path of the chart the file belongs to, in umbrella terms ('' = umbrella, 'frontend'). */
  prefix: string;
  tree: unknown;
}

export interface Leaf {
  /** Path inside the file. */
  path: string[];
  value: unknown;
}

export function leaves(tree: unknown, path: string[] = []): Leaf[] {
  if (tree !== null && typeof tree === 'object' && !Array.isArray(tree)) {
    return Object.entries(tree as Record<string, unknown>).flatMap(([k, v]) => leaves(v, [...path, k]));
  }
  if (Array.isArray(tree)) return tree.flatMap((v, i) => leaves(v, [...path, String(i)]));
  return path.length ? [{ path, value: tree }] : [];
}

function absolute(layer: ValuesLayer, path: string[]): string[] {
  return layer.prefix ? [...layer.prefix.split('.'), ...path] : path;
}

function startsWith(path: string[], prefix: string[]): boolean {
  return prefix.every((p, i) => path[i] === p);
}

export function fieldOf(path: string[]): string {
  return path.map((p) => (/^[A-Za-z0-9_-]+$/.test(p) ? p : JSON.stringify(p))).join('.') || '(root)';
}

/** The highest-precedence file that sets `path` (umbrella terms), with the path inside that file. */
export function whoSets(layers: readonly ValuesLayer[], path: string[]): { file: string; field: string } | null {
  for (const layer of [...layers].reverse()) {
    const prefix = layer.prefix ? layer.prefix.split('.') : [];
    if (!startsWith(path, prefix)) continue;
    const inner = path.slice(prefix.length);
    let node: unknown = layer.tree;
    for (const p of inner) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[p] : undefined;
    if (node !== undefined) return { file: layer.file, field: fieldOf(inner) };
  }
  return null;
}

/** A rendered value (or a rendered key, for keys copied from values) to look for in the values files. */
export interface Blame {
  value?: string;
  key?: string;
  /** Tail of the values path that must hold it, e.g. resources.requests.memory. */
  keys?: string[];
}

/**
 * The values file and key that hold a rendered value, looked up from the highest-precedence file
 * down among the keys the chart can read (its own subtree and `global`). Null when no file holds
 * it, or when the first file that does holds it under several keys (no guessing).
 */
export function whoHolds(layers: readonly ValuesLayer[], chart: string, blame: Blame): { file: string; field: string } | null {
  const scope = chart ? chart.split('.') : [];
  for (const layer of [...layers].reverse()) {
    const found = leaves(layer.tree).filter((l) => {
      if (blame.key !== undefined) {
        if (l.path[l.path.length - 1] !== blame.key) return false;
      } else if (l.value === null || typeof l.value === 'object' || String(l.value) !== blame.value) return false;
      const abs = absolute(layer, l.path);
      if (scope.length && !startsWith(abs, scope) && abs[0] !== 'global') return false;
      const keys = blame.keys ?? [];
      return keys.every((k, i) => l.path[l.path.length - keys.length + i] === k);
    });
    if (found.length === 1) return { file: layer.file, field: fieldOf(found[0].path) };
    if (found.length > 1) return null;
  }
  return null;
}
