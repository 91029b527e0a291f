// A digest of the plugin's own code and version: a fixed plugin must not report "up to
// date" for work an older one did. Computed once per process from the code that runs (the
// src/ this module is in: the sources in this repository, dist/src/ when installed) and the
// package.json, so building dist/ beside the sources changes no hash.
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
  const code = dirname(__dirname);
  const manifest = join(packageRoot(__dirname), 'package.json');
  const h = createHash('sha256').update('nx-k8s-plugin-v2').update(readFileSync(manifest));
  for (const f of codeFiles(code)) h.update(`\0${relative(code, f)}\0`).update(readFileSync(f));
  memo = h.digest('hex').slice(0, 20);
  return memo;
}
