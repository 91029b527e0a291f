// The values helm gets on standard input (`--values -`), after the values files: the `set`
// option, the loaded images and the secrets, as one JSON document. Values are taken
// literally (no --set parsing of commas, brackets or escapes), so what the desired-state
// digest covers is exactly what helm receives.
export type Scalar = string | number | boolean;

/** `a.b\.c` -> ['a', 'b.c']: a backslash keeps a dot inside a key. */
export function valuesPath(path: string): string[] {
  const parts: string[] = [''];
  for (let i = 0; i < path.length; i++) {
    if (path[i] === '\\' && path[i + 1] === '.') {
      parts[parts.length - 1] += '.';
      i++;
    } else if (path[i] === '.') parts.push('');
    else parts[parts.length - 1] += path[i];
  }
  if (parts.some((p) => p === ''))
    throw new Error(`values path '${path}' has an empty key. Fix: write it as a.b.c (a backslash before a dot keeps it in the key)`);
  return parts;
}

export type ValuesTree = { [key: string]: Scalar | ValuesTree };

/** Later layers override earlier ones, key by key. */
export function valuesTree(...layers: Array<Record<string, Scalar>>): ValuesTree {
  const tree: ValuesTree = {};
  for (const layer of layers) {
    for (const [path, v] of Object.entries(layer)) {
      const keys = valuesPath(path);
      let node = tree;
      for (const k of keys.slice(0, -1)) {
        if (typeof node[k] !== 'object') node[k] = {};
        node = node[k] as ValuesTree;
      }
      node[keys[keys.length - 1]] = v;
    }
  }
  return tree;
}

/** Canonical (sorted keys) JSON, so equal values give equal digests. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  return `{${Object.keys(v as object)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}
