// ConfigMap and Secret rules of the data model: keys that are valid environment variable or file
// names, a total size under 1 MiB, UTF-8 strings in a ConfigMap's data, base64 in a Secret's data.
import { Manifest, ref } from '../manifests';
import { fieldOf } from '../values';
import { Violation } from '../violation';

/** Kubernetes' rule for ConfigMap and Secret keys (an env var name or a file name). */
const KEY = /^[-._a-zA-Z0-9]+$/;
export const MAX_BYTES = 1024 * 1024;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function keyProblem(key: string): string | null {
  if (key.length > 253) return 'is longer than 253 characters';
  if (!KEY.test(key)) return 'may hold only letters, digits, -, _ and .';
  if (key === '.' || key.startsWith('..')) return 'is . or starts with ..';
  return null;
}

export function isBase64(value: string): boolean {
  return BASE64.test(value);
}

function entries(obj: unknown): Array<[string, unknown]> {
  return obj !== null && typeof obj === 'object' && !Array.isArray(obj) ? Object.entries(obj as Record<string, unknown>) : [];
}

function keyViolations(m: Manifest, section: string, rule: 'configmap.key-name' | 'secret.key-name'): Violation[] {
  return entries(m.doc[section]).flatMap(([k]) => {
    const problem = keyProblem(k);
    return problem
      ? [
          {
            file: m.file,
            resource: ref(m),
            field: fieldOf([section, k]),
            rule,
            message: `key ${JSON.stringify(k)} ${problem}, so it is neither an environment variable name nor a file name`,
            fix: 'rename the key, e.g. to UPPER_SNAKE_CASE',
            blame: { key: k },
          },
        ]
      : [];
  });
}

function sizeViolation(m: Manifest, bytes: number, rule: 'configmap.size' | 'secret.size'): Violation[] {
  if (bytes < MAX_BYTES) return [];
  return [
    {
      file: m.file,
      resource: ref(m),
      field: 'data',
      rule,
      message: `holds ${bytes} bytes of keys and values; Kubernetes stores at most 1 MiB (${MAX_BYTES} bytes)`,
      fix: `move large content out of the ${m.kind} (a volume, an image layer) or split it`,
    },
  ];
}

export function configMapRules(manifests: readonly Manifest[]): Violation[] {
  const out: Violation[] = [];
  for (const m of manifests.filter((m) => m.kind === 'ConfigMap')) {
    out.push(...keyViolations(m, 'data', 'configmap.key-name'), ...keyViolations(m, 'binaryData', 'configmap.key-name'));
    let bytes = 0;
    for (const [k, v] of entries(m.doc.data)) {
      bytes += Buffer.byteLength(k) + Buffer.byteLength(String(v ?? ''));
      if (typeof v !== 'string') {
        out.push({
          file: m.file,
          resource: ref(m),
          field: fieldOf(['data', k]),
          rule: 'configmap.utf8',
          message: `value is a ${v === null ? 'null' : typeof v}, not a UTF-8 string`,
          fix: 'quote the value in the template ({{ ... | quote }})',
        });
      } else if (v.includes('\uFFFD')) {
        out.push({
          file: m.file,
          resource: ref(m),
          field: fieldOf(['data', k]),
          rule: 'configmap.utf8',
          message: 'value holds bytes that are not UTF-8',
          fix: 'put binary content under binaryData (base64), or re-encode the source as UTF-8',
        });
      }
    }
    for (const [k, v] of entries(m.doc.binaryData)) bytes += Buffer.byteLength(k) + Buffer.from(String(v ?? ''), 'base64').length;
    out.push(...sizeViolation(m, bytes, 'configmap.size'));
  }
  return out;
}

export function secretRules(manifests: readonly Manifest[]): Violation[] {
  const out: Violation[] = [];
  for (const m of manifests.filter((m) => m.kind === 'Secret')) {
    out.push(...keyViolations(m, 'data', 'secret.key-name'), ...keyViolations(m, 'stringData', 'secret.key-name'));
    let bytes = 0;
    for (const [k, v] of entries(m.doc.data)) {
      const text = v === null || v === undefined ? '' : String(v);
      if (typeof v !== 'string' || !isBase64(text)) {
        out.push({
          file: m.file,
          resource: ref(m),
          field: fieldOf(['data', k]),
          rule: 'secret.base64',
          message: 'value is not valid base64',
          fix: 'encode it ({{ $value | b64enc | quote }}), or put the plain text under stringData',
        });
        bytes += Buffer.byteLength(k) + Buffer.byteLength(text);
      } else {
        bytes += Buffer.byteLength(k) + Buffer.from(text, 'base64').length;
      }
    }
    for (const [k, v] of entries(m.doc.stringData)) bytes += Buffer.byteLength(k) + Buffer.byteLength(String(v ?? ''));
    out.push(...sizeViolation(m, bytes, 'secret.size'));
  }
  return out;
}

/** A Secret's non-empty plain values (data decoded, stringData as is), for the not-committed rule. */
export function secretValues(m: Manifest): Array<{ key: string; field: string; value: string; encoded?: string }> {
  const out: Array<{ key: string; field: string; value: string; encoded?: string }> = [];
  for (const [k, v] of entries(m.doc.data)) {
    if (typeof v !== 'string' || !isBase64(v)) continue;
    const value = Buffer.from(v, 'base64').toString('utf8');
    if (value) out.push({ key: k, field: fieldOf(['data', k]), value, encoded: v });
  }
  for (const [k, v] of entries(m.doc.stringData))
    if (v !== null && v !== undefined && String(v) !== '') out.push({ key: k, field: fieldOf(['stringData', k]), value: String(v) });
  return out;
}
