// A digest of the plugin's own code and version: a fixed plugin must not report "up to
// date" for work an older one did. Computed once per process from the package's files.
import { createHash } from 'crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { dirname, join, relative } from 'path';

let memo: string | null = null;

function packageRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function codeFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name === 'fixtures' || name.startsWith('.')) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) codeFiles(full, out);
    else if (/\.(ts|js|json)$/.test(name) && !/\.spec\.[jt]s$/.test(name)) out.push(full);
  }
  return out;
}

export function pluginDigest(): string {
  if (memo) return memo;
  const root = packageRoot(__dirname);
  const h = createHash('sha256').update('nx-k8s-plugin-v1');
  for (const f of codeFiles(root)) h.update(`\0${relative(root, f)}\0`).update(readFileSync(f));
  memo = h.digest('hex').slice(0, 20);
  return memo;
}
