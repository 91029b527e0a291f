// Two open-source apps, built here from their Go modules (no registry can be pulled from), for
// the unmodified upstream charts the public-charts spec deploys. Built once per version into the
// machine cache; what the upstream images add besides the binaries is in the spec's Dockerfiles.
import execa from 'execa';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { gzipSync } from 'zlib';

const CACHE = join(process.env.NX_K8S_CACHE ?? '/var/cache/nx-k8s', 'e2e-apps');
const goEnv = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' };
/** podinfo's module has no semver tags the proxy serves: this is the commit of chart 6.9.2 (app 6.9.2). */
export const PODINFO = { module: 'github.com/stefanprodan/podinfo', version: 'v1.8.1-0.20250910200901-e86405a8674e' };
export const ALERTMANAGER = { module: 'github.com/prometheus/alertmanager', version: 'v0.34.0' };

async function moduleDir(module: string, version: string): Promise<string> {
  const { stdout } = await execa('go', ['mod', 'download', '-json', `${module}@${version}`], { env: goEnv });
  return (JSON.parse(stdout) as { Dir: string }).Dir;
}

/** Builds into `<cache>/<name>-<version>` through a temporary directory, so an interrupted build is never taken for a finished one. */
async function cached(name: string, version: string, build: (out: string) => Promise<void>): Promise<string> {
  const dir = join(CACHE, `${name}-${version}`);
  if (existsSync(dir)) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await build(tmp);
  renameSync(tmp, dir);
  return dir;
}

/** podinfo and podcli (the chart's exec probes run `podcli check http`), and podinfo's ui/ directory. */
export const podinfo = () =>
  cached('podinfo', PODINFO.version, async (out) => {
    const pkgs = ['podinfo', 'podcli'].map((c) => `${PODINFO.module}/cmd/${c}@${PODINFO.version}`);
    await execa('go', ['install', '-trimpath', '-ldflags', '-s -w', ...pkgs], { env: { ...goEnv, GOFLAGS: '', GOBIN: out } });
    cpSync(join(await moduleDir(PODINFO.module, PODINFO.version), 'ui'), join(out, 'ui'), { recursive: true });
  });

/**
 * alertmanager embeds its web UI from ui/app/dist, which its release build makes with npm and
 * the module leaves out: built in a writable copy with a placeholder page (the API, health and
 * readiness endpoints the chart probes are the real ones).
 */
export const alertmanager = () =>
  cached('alertmanager', ALERTMANAGER.version, async (out) => {
    const src = join(out, 'src');
    cpSync(await moduleDir(ALERTMANAGER.module, ALERTMANAGER.version), src, { recursive: true });
    await execa('chmod', ['-R', 'u+w', src]);
    mkdirSync(join(src, 'ui/app/dist'), { recursive: true });
    // Served as the release build leaves it: gzipped (the chart's probes GET /).
    writeFileSync(join(src, 'ui/app/dist/index.html.gz'), gzipSync('<!doctype html><p>alertmanager web UI not built (see the e2e support)</p>\n'));
    await execa('go', ['build', '-trimpath', '-ldflags', '-s -w', '-o', join(out, 'alertmanager'), './cmd/alertmanager'], { cwd: src, env: goEnv });
    rmSync(src, { recursive: true, force: true });
  });
