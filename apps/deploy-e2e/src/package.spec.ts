// The plugin as a user gets it: the packed tarball (never a link to this repository) in
// brand-new workspaces, one made by create-nx-workspace at Nx 23.2.1 and one on Nx 24 (nx
// and @nx/devkit only: the other 24 packages are not published), `nx add`, then an app pair
// and a chart written as a user would, with no hand-written target. Deployed to the real
// cluster with the inferred targets and checked there and over HTTP.
import execa from 'execa';
import { mkdtempSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ClusterView, clusterUp } from './support/cluster';
import { waitFor } from './support/http';
import { minimalWorkspace, packedTarball } from './support/package';
import { executed, NxRun, Workspace } from './support/workspace';

const NX24 = '24.0.6';
const DEVKIT24 = '24.0.0';
const tmp = mkdtempSync(join(tmpdir(), 'nx-k8s-package-'));
let tarball: string;
let kubeconfig: string;
let containerdAddress: string;

beforeAll(async () => {
  ({ kubeconfig, containerdAddress } = await clusterUp());
  tarball = await packedTarball(tmp);
}, 10 * 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A tiny HTTP app: `/healthz` for the readiness probe, `/` says who answers. */
const server = (name: string, says: string) =>
  `require('http').createServer((req, res) => res.end(req.url === '/healthz' ? 'ok' : ${JSON.stringify(says)})).listen(8080, () => console.log('${name} listening on 8080'));\n`;

const dockerfile = `ARG NODE_BASE=nx-k8s-base/node:20.20.2-slim-bookworm
FROM \${NODE_BASE}
WORKDIR /app
COPY server.js .
USER 1000
EXPOSE 8080
CMD ["node", "server.js"]
`;

/** One Deployment and Service per app; labels of the chart's own choosing (no helm convention). */
function appTemplates(app: string) {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-${app}
spec:
  replicas: 1
  selector:
    matchLabels: { shop-component: ${app}, shop-release: {{ .Release.Name }} }
  template:
    metadata:
      labels: { shop-component: ${app}, shop-release: {{ .Release.Name }} }
    spec:
      containers:
        - name: ${app}
          image: "{{ .Values.${app}.image.repository }}:{{ .Values.${app}.image.tag }}"
          imagePullPolicy: IfNotPresent
          ports: [{ name: http, containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /healthz, port: http }, periodSeconds: 2 }
          resources:
            requests: { cpu: 10m, memory: 32Mi }
            limits: { cpu: 200m, memory: 128Mi }
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}-${app}
spec:
  selector: { shop-component: ${app}, shop-release: {{ .Release.Name }} }
  ports: [{ name: http, port: 8080, targetPort: http }]
`;
}

function writeUserFiles(ws: Workspace, chart: string) {
  const pkg = JSON.parse(ws.read('package.json'));
  ws.write('package.json', JSON.stringify({ ...pkg, workspaces: ['apps/*'] }, null, 2) + '\n');
  for (const app of ['api', 'web']) {
    ws.write(`apps/${app}/package.json`, JSON.stringify({ name: app, version: '0.1.0', private: true }, null, 2) + '\n');
    ws.write(`apps/${app}/server.js`, server(app, `${app} v1`));
    ws.write(`apps/${app}/Dockerfile`, dockerfile);
    ws.write(`apps/${app}/.dockerignore`, 'node_modules\n*.md\n');
  }
  ws.write('charts/shop/Chart.yaml', `apiVersion: v2\nname: ${chart}\ndescription: api and web\nversion: 0.1.0\nappVersion: "0.1.0"\n`);
  ws.write('charts/shop/values.yaml', 'api:\n  image:\n    repository: api\n    tag: "0.1.0"\nweb:\n  image:\n    repository: web\n    tag: "0.1.0"\n');
  ws.write('charts/shop/values-dev.yaml', '# development: the chart defaults\n{}\n');
  ws.write('charts/shop/templates/api.yaml', appTemplates('api'));
  ws.write('charts/shop/templates/web.yaml', appTemplates('web'));
}

const WORKSPACES = [
  {
    name: `create-nx-workspace@23.2.1`,
    chart: 'shop-nx23',
    async create(dir: string) {
      await execa(
        'npx',
        ['-y', 'create-nx-workspace@23.2.1', 'ws', '--preset=apps', '--nxCloud=skip', '--packageManager=npm', '--interactive=false', '--no-git'],
        { cwd: dir, env: { ...process.env, CI: 'true' } },
      );
      await execa('git', ['init', '-q', '-b', 'main'], { cwd: join(dir, 'ws') });
    },
  },
  {
    name: `nx ${NX24} with @nx/devkit ${DEVKIT24}`,
    chart: 'shop-nx24',
    create: (dir: string) => minimalWorkspace(dir, NX24, DEVKIT24),
  },
];

describe.each(WORKSPACES)('a new workspace: $name', ({ create, chart }) => {
  let ws: Workspace;
  let cluster: ClusterView;
  const nx = async (args: string[]) => {
    const run = await ws.nx(args);
    if (run.exitCode !== 0) throw new Error(`nx ${args.join(' ')} exited ${run.exitCode}\n${run.output.slice(-4000)}`);
    return run;
  };
  /** component -> image of its ready pods (the release's pods, by the chart's own labels). */
  const readyImages = async () => {
    const pods = JSON.parse(await cluster.kubectl(['get', 'pods', '-l', `shop-release=${chart}`, '-o', 'json'])).items as any[];
    const ready = pods.filter((p) => !p.metadata.deletionTimestamp && (p.status.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'));
    return Object.fromEntries(ready.map((p) => [p.metadata.labels['shop-component'], p.spec.containers[0].image as string]));
  };
  /** app -> the image reference its docker-build record names. */
  const builtRefs = () => Object.fromEntries(['api', 'web'].map((a) => [a, JSON.parse(ws.read(`dist/nx-k8s/${a}/image.json`)).ref as string]));
  const runningBuilt = (what: string) =>
    waitFor(what, async () => {
      const [running, built] = [await readyImages(), builtRefs()];
      return running.api === built.api && running.web === built.web ? running : undefined;
    });

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nx-k8s-new-ws-'));
    await create(dir);
    ws = new Workspace(kubeconfig, false, join(dir, 'ws'));
    cluster = new ClusterView(kubeconfig, containerdAddress);
  }, 15 * 60_000);
  afterAll(async () => {
    await execa('helm', ['uninstall', chart, '--wait'], {
      env: { ...process.env, KUBECONFIG: kubeconfig, PATH: `/var/cache/nx-k8s/bin:${process.env.PATH}` },
      reject: false,
    });
    if (ws) rmSync(join(ws.dir, '..'), { recursive: true, force: true });
  });

  it(
    'nx add installs the tarball, registers the plugin and git-ignores what it writes',
    async () => {
      const run = await nx(['add', `nx-k8s@file:${tarball}`]);
      expect(run.output).toMatch(/nx-k8s: registered in nx\.json plugins; \.gitignore gained \.env \/dist\/nx-k8s\/ \.nx-k8s-dependencies/);
      expect(JSON.parse(ws.read('nx.json')).plugins).toEqual(['nx-k8s']);
      // A copy of the package, not a link to this repository.
      const installed = join(ws.dir, 'node_modules/nx-k8s');
      expect((await execa('readlink', ['-f', installed])).stdout).toBe(installed);
      expect(
        readdirSync(installed)
          .filter((f) => f !== 'node_modules')
          .sort(),
      ).toEqual(['README.md', 'dist', 'executors.json', 'generators.json', 'package.json']);
      writeUserFiles(ws, chart);
      ws.commit('api, web and their chart');
    },
    10 * 60_000,
  );

  it(
    'infers every target: nx show project explains them',
    async () => {
      const show = async (p: string) => {
        const out = (await nx(['show', 'project', p, '--json'])).output;
        return JSON.parse(out.slice(out.indexOf('{'), out.lastIndexOf('}') + 1));
      };
      const api = await show('api');
      expect(Object.keys(api.targets).sort()).toEqual(['deploy', 'docker-build', 'minikube-load']);
      expect(api.targets['docker-build'].metadata.description).toMatch(/Build the image from apps\/api\/Dockerfile/);
      const release = await show(chart);
      expect(Object.keys(release.targets).sort()).toEqual(['deploy', 'dev', 'helm-install', 'logs', 'port-forward', 'status', 'validate']);
      expect(release.targets['helm-install'].configurations).toEqual({ dev: { valuesFiles: ['values-dev.yaml'] } });
    },
    5 * 60_000,
  );

  let first: NxRun;
  it(
    'fresh deploy builds both images, loads them and installs the release',
    async () => {
      first = await nx(['run-many', '-t', 'deploy']);
      expect(executed(first)).toEqual(
        expect.arrayContaining([
          'api:docker-build',
          'api:minikube-load',
          'web:docker-build',
          'web:minikube-load',
          `${chart}:validate`,
          `${chart}:helm-install`,
        ]),
      );
      expect(first.output).toMatch(new RegExp(`installed: release ${chart} revision 1`));
      expect(await cluster.release(chart)).toEqual({ revision: 1, status: 'deployed' });
      // The rollout check waited for the pods: they are ready already, running what was built.
      expect(await readyImages()).toEqual(builtRefs());
    },
    15 * 60_000,
  );

  it(
    'a second run is all cache hits and leaves the release alone',
    async () => {
      const run = await nx(['run-many', '-t', 'deploy']);
      expect(executed(run)).toEqual([]);
      expect([...run.tasks.values()].every((s) => s.includes('cache'))).toBe(true);
      expect(await cluster.release(chart)).toEqual({ revision: 1, status: 'deployed' });
    },
    10 * 60_000,
  );

  it(
    "one app's change runs only that app's tasks and one upgrade",
    async () => {
      const before = builtRefs();
      ws.write('apps/api/server.js', server('api', 'api v2'));
      ws.commit('api v2');
      const run = await nx(['run-many', '-t', 'deploy']);
      const ran = executed(run);
      expect(ran.filter((t) => t.startsWith('web:'))).toEqual([]);
      expect(ran).toEqual(expect.arrayContaining(['api:docker-build', 'api:minikube-load', `${chart}:helm-install`]));
      expect(await cluster.release(chart)).toEqual({ revision: 2, status: 'deployed' });
      const after = builtRefs();
      expect(after.web).toBe(before.web);
      expect(after.api).not.toBe(before.api);
      await runningBuilt('the new api image in a ready pod');
    },
    15 * 60_000,
  );

  it(
    'port-forward, inferred from the release, answers on localhost',
    async () => {
      const run = ws.start(['run', `${chart}:port-forward`]);
      try {
        await ws.until(run, 'the open line', /open: (.+)/, 5 * 60_000);
        const open = /open: (.+)/.exec(run.output)![1];
        const urls = Object.fromEntries([...open.matchAll(/(http:\/\/127\.0\.0\.1:\d+) \(([\w-]+)\)/g)].map((m) => [m[2], m[1]]));
        expect(Object.keys(urls).sort()).toEqual([`${chart}-api`, `${chart}-web`]);
        expect(await (await fetch(urls[`${chart}-api`])).text()).toBe('api v2');
        expect(await (await fetch(urls[`${chart}-web`])).text()).toBe('web v1');
      } finally {
        process.kill(-run.child.pid!, 'SIGINT');
        await ws.finish(run);
      }
    },
    10 * 60_000,
  );
});

// Nothing of this repository leaks into what a user installs.
it('the packed tarball holds built JavaScript, no TypeScript sources, specs or fixtures', async () => {
  const files = (await execa('tar', ['-tzf', tarball])).stdout.split('\n');
  expect(files.filter((f) => /\.ts$/.test(f) && !/\.d\.ts$/.test(f))).toEqual([]);
  expect(files.filter((f) => /spec|__fixtures__|__snapshots__/.test(f))).toEqual([]);
  expect(files).toEqual(expect.arrayContaining(['package/dist/src/index.js', 'package/executors.json', 'package/generators.json']));
  // This repository's scripts and paths appear in no message or default of the built code.
  const code = (await execa('tar', ['-xzOf', tarball, '--wildcards', 'package/dist/*.js'])).stdout;
  expect(code).not.toMatch(/tools\/setup|tools\/local-cluster|nx-k8s-cluster/);
});
