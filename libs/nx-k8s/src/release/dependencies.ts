// `helm dependency build` only when a file:// subchart changed since the last build. The
// packaged .tgz files under charts/ are what helm installs, not the sources validate checked:
// the stamp records the sources they were built from and the packages themselves, so a
// package that no longer matches (edited subchart, package replaced or rebuilt by another
// tool) is built again.
import { createHash } from 'crypto';
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { chartSourceDigest, fileDependencies } from './desired';

const STAMP = 'charts/.nx-k8s-dependencies';

const packageFile = (chartDir: string, d: { name: string; version: string }) => join(chartDir, 'charts', `${d.name}-${d.version}.tgz`);

export function dependencyStamp(chartDir: string): string {
  const h = createHash('sha256');
  h.update(existsSync(join(chartDir, 'Chart.lock')) ? readFileSync(join(chartDir, 'Chart.lock')) : '');
  for (const d of fileDependencies(chartDir)) {
    const pkg = packageFile(chartDir, d);
    h.update(`\0${d.name}\0`)
      .update(chartSourceDigest(d.dir))
      .update('\0package\0')
      .update(existsSync(pkg) ? readFileSync(pkg) : 'missing');
  }
  return h.digest('hex');
}

export function needsDependencyBuild(chartDir: string): boolean {
  const deps = fileDependencies(chartDir);
  if (deps.length === 0) return false;
  if (deps.some((d) => !existsSync(packageFile(chartDir, d)))) return true;
  const stamp = join(chartDir, STAMP);
  return !existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== dependencyStamp(chartDir);
}

export function markDependenciesBuilt(chartDir: string): void {
  writeFileSync(join(chartDir, STAMP), dependencyStamp(chartDir) + '\n');
}
