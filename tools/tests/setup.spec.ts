// The setup stops with one clear line (what is missing, and how to fix it) when a tool or the
// Docker daemon is missing, instead of a stack of errors from further down.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { nxEnv, Result, run, WORKSPACE } from './support/workspace';

const tmp = mkdtempSync(join(tmpdir(), 'workspace-tests-setup-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A directory for PATH with bash and coreutils only: no go, helm, docker or anything else. */
function bareBin(): string {
  const bin = join(tmp, 'bin');
  if (existsSync(bin)) return bin;
  mkdirSync(bin);
  const tools = [
    'bash',
    'sh',
    'basename',
    'cat',
    'cut',
    'dirname',
    'env',
    'head',
    'id',
    'ln',
    'ls',
    'mkdir',
    'mktemp',
    'rm',
    'seq',
    'sha256sum',
    'sleep',
    'sort',
    'tail',
    'tr',
    'uname',
    'wc',
  ];
  for (const tool of tools) {
    const found = ['/usr/bin', '/bin'].map((d) => join(d, tool)).find(existsSync);
    if (found) symlinkSync(found, join(bin, tool));
  }
  return bin;
}

/** bash and coreutils, plus node and git for nx: still no helm, docker or go. */
function nodeBin(): string {
  const bin = join(tmp, 'node-bin');
  if (existsSync(bin)) return bin;
  mkdirSync(bin);
  for (const name of readdirSync(bareBin())) symlinkSync(join(bareBin(), name), join(bin, name));
  symlinkSync(process.execPath, join(bin, 'node'));
  const git = ['/usr/bin/git', '/bin/git', '/usr/local/bin/git'].find(existsSync);
  if (git) symlinkSync(git, join(bin, 'git'));
  return bin;
}

/** The environment with PATH reduced to bash and coreutils. */
function bareEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { HELM: _helm, DOCKER_HOST: _docker, ...env } = process.env;
  return { ...env, PATH: bareBin(), NX_K8S_CACHE: join(tmp, 'cache'), NX_K8S_LOGS: join(tmp, 'logs'), ...extra };
}

function bash(script: string, env: NodeJS.ProcessEnv): Promise<Result> {
  return run(join(bareBin(), 'bash'), [script], { env, extendEnv: false, timeout: 60_000 });
}

/** Failed, printed nothing on stdout, and exactly one line on stderr. */
function expectOneLine(r: Result, exitCode?: number): string {
  const lines = r.stderr.trim().split('\n');
  expect({ failed: r.exitCode !== 0, stdout: r.stdout, lines: lines.length, stderr: r.stderr }).toEqual({
    failed: true,
    stdout: '',
    lines: 1,
    stderr: r.stderr,
  });
  if (exitCode !== undefined) expect(r.exitCode).toBe(exitCode);
  console.log(`exit ${r.exitCode}: ${lines[0]}`);
  return lines[0];
}

describe('tools/setup/helm.sh', () => {
  it('without Go: one line saying the Go toolchain is missing and where to get it', async () => {
    const r = await bash('tools/setup/helm.sh', bareEnv({ NX_K8S_FORCE_HELM_BUILD: '1' }));
    const line = expectOneLine(r);
    expect(line).toMatch(/Go toolchain not found.*Fix: install Go .*https:\/\/go\.dev\/dl/);
    // It stopped before building or linking anything.
    expect(existsSync(join(tmp, 'cache')) ? readdirSync(join(tmp, 'cache')) : []).toEqual([]);
  });
});

describe('tools/setup/base-images.sh', () => {
  it('with no Docker daemon: one line saying so, naming the socket and how to fix it', async () => {
    const { PATH } = process.env;
    const r = await bash('tools/setup/base-images.sh', bareEnv({ PATH: `${bareBin()}:${PATH}`, DOCKER_HOST: 'unix:///nonexistent.sock' }));
    const line = expectOneLine(r);
    expect(line).toMatch(/no Docker daemon answers at unix:\/\/\/nonexistent\.sock.*Fix: run bash tools\/setup\/docker\.sh/);
  });

  it('with no docker CLI: one line saying so and how to fix it', async () => {
    const line = expectOneLine(await bash('tools/setup/base-images.sh', bareEnv()));
    expect(line).toMatch(/docker CLI not found.*Fix: run bash tools\/setup\/docker\.sh/);
  });
});

describe("the chart's helm wrapper (charts/todo-app/scripts/helm.sh)", () => {
  it('with no helm anywhere: one line saying so and how to fix it, exit 127', async () => {
    const line = expectOneLine(await bash('charts/todo-app/scripts/helm.sh', bareEnv()), 127);
    expect(line).toMatch(/helm not found.*Fix: run 'bash tools\/setup\/helm\.sh', or set HELM/);
  });

  it('with HELM naming a missing binary: the same line, naming it', async () => {
    const line = expectOneLine(await bash('charts/todo-app/scripts/helm.sh', bareEnv({ HELM: '/nonexistent/helm' })), 127);
    expect(line).toContain('helm not found (/nonexistent/helm)');
  });
});

describe('the plugin (nx run todo-app:validate, which renders the chart with helm)', () => {
  it('with no helm on PATH: one line from the plugin saying so and how to fix it, no stack trace', async () => {
    const { HELM: _helm, ...env } = nxEnv({ PATH: nodeBin() });
    const r = await run(process.execPath, [join(WORKSPACE, 'node_modules/.bin/nx'), 'run', 'todo-app:validate', '--skip-nx-cache', '--outputStyle=stream'], {
      env,
      extendEnv: false,
      timeout: 120_000,
    });
    // eslint-disable-next-line no-control-regex -- ESC starts the ANSI colour codes this strips
    const output = `${r.stdout}\n${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
    const lines = output.split('\n').filter((l) => l.includes('nx-k8s todo-app:validate:'));
    expect({ failed: r.exitCode !== 0, lines: lines.length, output: lines.length === 1 ? '' : output }).toEqual({ failed: true, lines: 1, output: '' });
    expect(lines[0]).toMatch(/helm was not found on PATH\. Fix: install helm 3 \(https:\/\/helm\.sh\/docs\/intro\/install\/\)/);
    expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    console.log(`exit ${r.exitCode}: ${lines[0].trim()}`);
  }, 150_000);
});
