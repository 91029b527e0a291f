// `nx g nx-k8s:app` as a user would run it, in a new workspace that installs the packed plugin:
// a Node and a Python project with no Dockerfile and no chart get both, wired into an umbrella
// chart the generator creates; then validate is clean and one `nx run-many -t deploy` brings both
// up on the real cluster, answering through the inferred port-forward.
import execa from 'execa';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ClusterView, clusterUp } from './support/cluster';
import { minimalWorkspace, packedTarball } from './support/package';
import { executed, Workspace } from './support/workspace';

const tmp = mkdtempSync(join(tmpdir(), 'nx-k8s-generators-'));
let ws: Workspace;
let cluster: ClusterView;
let kubeconfig: string;
const UMBRELLA = 'shop';

const nx = async (args: string[]) => {
  const run = await ws.nx(args);
  if (run.exitCode !== 0) throw new Error(`nx ${args.join(' ')} exited ${run.exitCode}\n${run.output.slice(-4000)}`);
  return run;
};

beforeAll(async () => {
  let containerdAddress: string;
  ({ kubeconfig, containerdAddress } = await clusterUp());
  cluster = new ClusterView(kubeconfig, containerdAddress);
  const [tarball, dir] = await Promise.all([packedTarball(tmp), minimalWorkspace(tmp, '23.2.1')]);
  ws = new Workspace(kubeconfig, false, dir);
  await nx(['add', `nx-k8s@file:${tarball}`]);
  // Two projects as a team has them before nx-k8s: source and a manifest, nothing to deploy with.
  ws.write('apps/web/project.json', JSON.stringify({ name: 'web', root: 'apps/web' }) + '\n');
  ws.write('apps/web/package.json', JSON.stringify({ name: 'web', version: '0.1.0', private: true, scripts: { start: 'node server.js' } }) + '\n');
  ws.write(
    'apps/web/server.js',
    "require('http').createServer((req, res) => res.end('web says hi')).listen(Number(process.env.PORT), () => console.log('web up'));\n",
  );
  ws.write('apps/api/project.json', JSON.stringify({ name: 'api', root: 'apps/api' }) + '\n');
  ws.write('apps/api/requirements.txt', '# the standard library only\n');
  ws.write(
    'apps/api/main.py',
    [
      'import os',
      'from http.server import BaseHTTPRequestHandler, HTTPServer',
      '',
      'class Handler(BaseHTTPRequestHandler):',
      '    def do_GET(self):',
      '        body = b"api says hi"',
      '        self.send_response(200)',
      '        self.send_header("Content-Length", str(len(body)))',
      '        self.end_headers()',
      '        self.wfile.write(body)',
      '',
      'HTTPServer(("", int(os.environ["PORT"])), Handler).serve_forever()',
      '',
    ].join('\n'),
  );
  ws.commit('web and api');
}, 20 * 60_000);

afterAll(async () => {
  await execa('helm', ['uninstall', UMBRELLA, '--wait'], {
    env: { ...process.env, KUBECONFIG: kubeconfig, PATH: `/var/cache/nx-k8s/bin:${process.env.PATH}` },
    reject: false,
  });
  rmSync(tmp, { recursive: true, force: true });
});

it(
  'nx g nx-k8s:app writes a Dockerfile and a subchart for each, into one umbrella chart',
  async () => {
    // The workspace's own base images (nothing can be pulled here), as a build argument's default.
    await nx(['g', 'nx-k8s:app', 'web', `--umbrella=${UMBRELLA}`, '--baseImage=nx-k8s-base/node:20.20.2-slim-bookworm']);
    await nx(['g', 'nx-k8s:app', 'api', `--umbrella=${UMBRELLA}`, '--baseImage=nx-k8s-base/python:3.11-slim-bookworm']);
    expect(ws.read('apps/web/Dockerfile')).toMatch(/^ARG BASE_IMAGE=nx-k8s-base\/node:20\.20\.2-slim-bookworm$/m);
    expect(ws.read('apps/api/Dockerfile')).toMatch(/^ARG BASE_IMAGE=nx-k8s-base\/python:3\.11-slim-bookworm$/m);
    const umbrella = ws.read(`charts/${UMBRELLA}/Chart.yaml`);
    expect(umbrella).toMatch(/repository: file:\/\/\.\.\/web/);
    expect(umbrella).toMatch(/repository: file:\/\/\.\.\/api/);
    // A second run changes nothing.
    const before = (await execa('git', ['status', '--porcelain'], { cwd: ws.dir })).stdout;
    await nx(['g', 'nx-k8s:app', 'web', `--umbrella=${UMBRELLA}`, '--baseImage=nx-k8s-base/node:20.20.2-slim-bookworm']);
    expect((await execa('git', ['status', '--porcelain'], { cwd: ws.dir })).stdout).toBe(before);
    ws.commit('nx g nx-k8s:app web, api');
  },
  10 * 60_000,
);

it(
  'validate is clean',
  async () => {
    const run = await nx(['run', `${UMBRELLA}:validate`]);
    expect(run.output).toMatch(
      new RegExp(`valid: chart charts/${UMBRELLA} rendered for default \\(\\d+ manifests\\), 2 Dockerfile\\(s\\), 2 image repositories`),
    );
    expect(run.output).not.toMatch(/warning:/);
  },
  10 * 60_000,
);

it(
  'nx run-many -t deploy builds, loads and deploys both; both answer through the port-forward',
  async () => {
    const run = await nx(['run-many', '-t', 'deploy']);
    expect(executed(run)).toEqual(
      expect.arrayContaining(['web:docker-build', 'web:minikube-load', 'api:docker-build', 'api:minikube-load', `${UMBRELLA}:helm-install`]),
    );
    expect(await cluster.release(UMBRELLA)).toEqual({ revision: 1, status: 'deployed' });
    const forward = ws.start(['run', `${UMBRELLA}:port-forward`]);
    try {
      await ws.until(forward, 'the open line', /open: (.+)/, 5 * 60_000);
      const urls = [.../(http:\/\/127\.0\.0\.1:\d+) \(([\w-]+)\)/g[Symbol.matchAll](/open: (.+)/.exec(forward.output)![1])].map((m) => m[1]);
      const answers = await Promise.all(urls.map(async (u) => (await fetch(u)).text()));
      expect(answers.sort()).toEqual(['api says hi', 'web says hi']);
    } finally {
      process.kill(-forward.child.pid!, 'SIGINT');
      await ws.finish(forward);
    }
    const again = await nx(['run-many', '-t', 'deploy']);
    expect(executed(again)).toEqual([]);
  },
  20 * 60_000,
);
