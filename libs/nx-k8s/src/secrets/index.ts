// Secrets come from a git-ignored env file (read literally) or the environment. They reach
// helm on its standard input (never argv, never a file, never a log line, never an Nx
// output); only a keyed digest of them enters the task hash and the release description,
// so changing a secret redeploys while nothing stored can confirm a guessed value.
import { createHmac, randomBytes } from 'crypto';
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { stateDir } from '../cache/state-dir';
import { registerSecret } from './mask';

export { mask, registerSecret } from './mask';

/** Parses KEY=VALUE lines (optional `export `, surrounding quotes, # comments) with no expansion of any kind. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2].trim();
    if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) v = v.slice(1, -1);
    else v = v.replace(/\s+#.*$/, '');
    out[m[1]] = v;
  }
  return out;
}

/**
 * The dotenv files Nx loads, with `$` expansion, into a task's environment (workspace and
 * project root; `.env.<target>.<configuration>`, `.env.<configuration>`, `.env.<target>`,
 * `.env`, each also as `.local` and `.<id>.env` variants).
 */
export function nxDotenvFiles(projectRoot: string, target: string, configuration?: string): string[] {
  const ids = [...(configuration ? [`${target}.${configuration}`, configuration] : []), target, ''];
  const variants = (id: string, dir: string) =>
    (id ? [`.env.${id}.local`, `.env.${id}`, `.${id}.local.env`, `.${id}.env`] : ['.env.local', '.local.env', '.env']).map((f) => (dir ? join(dir, f) : f));
  return [...ids.flatMap((id) => variants(id, projectRoot)), ...ids.flatMap((id) => variants(id, ''))];
}

export interface SecretsSource {
  /** Workspace root. */
  root: string;
  /** The env file nx-k8s reads literally, relative to the root. */
  envFile: string;
  /** Files Nx loaded into the environment with expansion (relative to the root). */
  nxDotenvFiles: string[];
}

export class SecretAlteredError extends Error {}

export interface SecretsRead {
  /** values path -> value. */
  values: Record<string, string>;
  /** One line per decision worth telling (never a value). */
  notes: string[];
}

/**
 * `mapping` is env name -> values path (DATABASE_URL -> secrets.DATABASE_URL). The env file
 * wins for the names it defines: Nx copies the same file into the environment after
 * expanding `$` in it, so only the file holds the exact bytes. Other names come from the
 * environment, unless Nx put them there from a dotenv file it expanded: those are refused.
 */
export function readSecrets(mapping: Record<string, string>, env: NodeJS.ProcessEnv, src: SecretsSource): SecretsRead {
  const read = (f: string) => (existsSync(join(src.root, f)) ? parseEnvFile(readFileSync(join(src.root, f), 'utf8')) : {});
  const fromFile = read(src.envFile);
  const values: Record<string, string> = {};
  const notes: string[] = [];
  for (const [name, path] of Object.entries(mapping)) {
    let v: string | undefined;
    if (fromFile[name] !== undefined && fromFile[name] !== '') {
      v = fromFile[name];
      const e = env[name];
      if (e && e !== v && !v.includes('$')) notes.push(`${name}: using ${src.envFile} (the environment holds another value; the env file wins)`);
    } else if (env[name]) {
      v = env[name]!;
      for (const f of src.nxDotenvFiles.filter((f) => f !== src.envFile)) {
        const literal = read(f)[name];
        if (literal !== undefined && literal.includes('$') && literal !== v) {
          throw new SecretAlteredError(
            `secret ${name} reached the task from ${f}, which Nx loads with $-expansion: the value it received is not the file's (${literal.length} characters in the file, ${v.length} received). Fix: move ${name} to ${src.envFile} (nx-k8s reads it literally, option envFile) or export it in the environment`,
          );
        }
      }
    }
    if (v) {
      registerSecret(v);
      values[path] = v;
    }
  }
  return { values, notes };
}

/** A machine-local random key: digests of secrets stored in caches or the cluster reveal nothing testable. */
function digestKey(env: NodeJS.ProcessEnv): Buffer {
  const file = join(stateDir(env), 'secrets-digest.key');
  if (!existsSync(file)) {
    try {
      writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
}

export function secretsDigest(values: Record<string, string>, env: NodeJS.ProcessEnv = process.env): string {
  const h = createHmac('sha256', digestKey(env)).update('nx-k8s-secrets-v2');
  for (const k of Object.keys(values).sort()) h.update(`\0${k}\0${values[k]}`);
  return h.digest('hex');
}
