// `helm dependency build` only when a file:// subchart changed since the last build: the
// packaged .tgz files under charts/ are build artifacts that go stale when a subchart is edited.
import { createHash } from 'crypto';
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { chartSourceDigest, fileDependencies } from './desired';

const STAMP = 'charts/.nx-k8s-dependencies';

export function dependencyStamp(chartDir: string): string {
  const h = createHash('sha256');
  h.update(existsSync(join(chartDir, 'Chart.lock')) ? readFileSync(join(chartDir, 'Chart.lock')) : '');
  for (const d of fileDependencies(chartDir)) h.update(`\0${d.name}\0`).update(chartSourceDigest(d.dir));
  return h.digest('hex');
}

export function needsDependencyBuild(chartDir: string): boolean {
  const deps = fileDependencies(chartDir);
  if (deps.length === 0) return false;
  if (deps.some((d) => !existsSync(join(chartDir, 'charts', `${d.name}-${d.version}.tgz`)))) return true;
  const stamp = join(chartDir, STAMP);
  return !existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== dependencyStamp(chartDir);
}

export function markDependenciesBuilt(chartDir: string): void {
  writeFileSync(join(chartDir, STAMP), dependencyStamp(chartDir) + '\n');
}
