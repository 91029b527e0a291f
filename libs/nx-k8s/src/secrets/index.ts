// Secrets come from the environment or a git-ignored .env file at the workspace root. They
// reach helm through a 0600 values file that is deleted afterwards (never argv, never a
// log line, never an Nx output); only a digest of them enters the task hash, so changing a
// secret redeploys without the value ever being stored.
import { createHash } from 'crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { stringify } from 'yaml';
import { registerSecret } from './mask';

export { mask, registerSecret } from './mask';

/** Parses KEY=VALUE lines (optional `export `, quotes, # comments). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2].trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    else v = v.replace(/\s+#.*$/, '');
    out[m[1]] = v;
  }
  return out;
}

/**
 * `mapping` is env name -> values path (DATABASE_URL -> secrets.DATABASE_URL). The environment
 * wins over .env. Unset and empty names are left out.
 */
export function readSecrets(mapping: Record<string, string>, env: NodeJS.ProcessEnv, workspaceRoot: string, envFile = '.env'): Record<string, string> {
  const file = join(workspaceRoot, envFile);
  const fromFile = existsSync(file) ? parseEnvFile(readFileSync(file, 'utf8')) : {};
  const values: Record<string, string> = {};
  for (const [name, path] of Object.entries(mapping)) {
    const v = env[name] || fromFile[name];
    if (v) {
      registerSecret(v);
      values[path] = v;
    }
  }
  return values;
}

export function secretsDigest(values: Record<string, string>): string {
  const h = createHash('sha256').update('nx-k8s-secrets-v1');
  for (const k of Object.keys(values).sort()) h.update(`\0${k}\0${values[k]}`);
  return h.digest('hex');
}

/** Nests {"secrets.DATABASE_URL": v} into {secrets: {DATABASE_URL: v}}. */
export function toValuesTree(values: Record<string, string>): Record<string, unknown> {
  const tree: Record<string, any> = {};
  for (const [path, v] of Object.entries(values)) {
    const parts = path.split('.');
    let node = tree;
    for (const p of parts.slice(0, -1)) node = node[p] ??= {};
    node[parts[parts.length - 1]] = v;
  }
  return tree;
}

/** Writes the secrets to a private values file for one helm call, and removes it afterwards. */
export async function withSecretsFile<T>(values: Record<string, string>, fn: (file: string | null) => Promise<T>): Promise<T> {
  if (Object.keys(values).length === 0) return fn(null);
  const dir = mkdtempSync(join(tmpdir(), 'nx-k8s-secrets-'));
  const file = join(dir, 'secrets.yaml');
  try {
    writeFileSync(file, stringify(toValuesTree(values)), { mode: 0o600 });
    return await fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
