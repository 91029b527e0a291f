// Inference over a fixture workspace on a temp file system: createNodes' own results, and the
// projects as Nx itself resolves them (project.json overrides merged, dependencies from
// createDependencies), read from the real `nx graph` of that workspace. No cluster.
import { CreateNodesContext } from '@nx/devkit';
import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { createNodes } from './plugin';

const repo = join(__dirname, '..', '..', '..', '..');
const ws = mkdtempSync(join(tmpdir(), 'nx-k8s-plugin-'));
afterAll(() => rmSync(ws, { recursive: true, force: true }));

const FILES: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'shop', private: true }),
  // Nx compiles a TypeScript plugin with the workspace's compiler options: the source is CommonJS.
  'tsconfig.base.json': JSON.stringify({ compilerOptions: { module: 'commonjs', target: 'es2022', esModuleInterop: true } }),
  'nx.json': JSON.stringify({ plugins: [{ plugin: join(repo, 'libs/nx-k8s/src/index.ts'), options: { deployTargetName: 'up' } }] }),
  // An app with its Dockerfile beside it and a denylist .dockerignore.
  'apps/api/package.json': JSON.stringify({ name: 'api', private: true }),
  'apps/api/Dockerfile': 'ARG BASE=node:20-slim\nFROM ${BASE}\nCOPY . /app\nCMD ["node", "/app/server.js"]\n',
  'apps/api/.dockerignore': 'node_modules\n*.md\n',
  'apps/api/server.js': 'require("http").createServer((q, s) => s.end("ok")).listen(8080);\n',
  // An app whose Dockerfile lives elsewhere, built from the workspace root: its project.json
  // names the Dockerfile and overrides the context and the repository.
  'apps/web/project.json': JSON.stringify({
    name: 'web',
    targets: { 'docker-build': { options: { dockerfile: 'docker/web.Dockerfile', context: '.', repository: 'shop-web' } } },
  }),
  'apps/web/index.html': '<p>shop</p>\n',
  'docker/web.Dockerfile': 'FROM nginx:1.27\nCOPY apps/web /usr/share/nginx/html\n',
  'docker/web.Dockerfile.dockerignore': '*\n!apps/web\napps/web/project.json\n',
  // The umbrella release: a file:// subchart for the api, the web image in its own values.
  'charts/shop/Chart.yaml':
    'apiVersion: v2\nname: shop\nversion: 1.0.0\ndependencies:\n  - name: api-chart\n    alias: api\n    version: 1.0.0\n    repository: file://../api-chart\n',
  'charts/shop/values.yaml': 'web:\n  image:\n    repository: shop-web\n    tag: "1"\n',
  'charts/shop/values-dev.yaml': 'api:\n  replicaCount: 1\n',
  'charts/shop/values-prod.yaml': 'api:\n  replicaCount: 3\n',
  'charts/shop/.helmignore': 'project.json\ntests/\n',
  'charts/shop/templates/web.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n',
  'charts/shop/project.json': JSON.stringify({
    name: 'shop',
    targets: { 'helm-install': { options: { secrets: { API_DATABASE_URL: 'api.databaseUrl' }, timeout: 60 } } },
  }),
  'charts/api-chart/Chart.yaml': 'apiVersion: v2\nname: api-chart\nversion: 1.0.0\n',
  'charts/api-chart/values.yaml': 'image:\n  repository: api\n  tag: "1"\n',
  // A chart with no project file of its own: a project named after the chart.
  'deploy/cache/Chart.yaml': 'apiVersion: v2\nname: cache\nversion: 0.1.0\n',
};

beforeAll(() => {
  for (const [file, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(ws, file)), { recursive: true });
    writeFileSync(join(ws, file), text);
  }
  symlinkSync(join(repo, 'node_modules'), join(ws, 'node_modules'));
});

const context = (): CreateNodesContext => ({ workspaceRoot: ws, nxJsonConfiguration: {} });
const configFiles = () => Object.keys(FILES).filter((f) => /(^|\/)(Dockerfile|[^/]+\.Dockerfile|Chart\.yaml|project\.json)$/.test(f));

describe('createNodes', () => {
  it('infers image and release projects from Dockerfiles, charts and project.json', async () => {
    const results = await createNodes[1](configFiles(), { deployTargetName: 'up' }, context());
    expect(results).toMatchSnapshot();
  });

  it('refuses options that give two targets one name', async () => {
    await expect(createNodes[1](configFiles(), { buildTargetName: 'x', loadTargetName: 'x' }, context())).rejects.toThrow(
      "nx-k8s plugin options buildTargetName and loadTargetName are both 'x' (nx.json plugins). Fix: give each target its own name",
    );
  });
});

describe('the projects as nx resolves them', () => {
  it('merges project.json over inferred targets and links the release to its images', () => {
    execFileSync(join(repo, 'node_modules/.bin/nx'), ['graph', '--file=graph.json'], {
      cwd: ws,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', NX_WORKSPACE_DATA_DIRECTORY: join(ws, '.nx/workspace-data') },
      stdio: 'pipe',
    });
    const graph = JSON.parse(readFileSync(join(ws, 'graph.json'), 'utf8')).graph as {
      nodes: Record<string, { data: { root: string; targets: Record<string, unknown> } }>;
      dependencies: Record<string, Array<{ target: string; type: string }>>;
    };
    expect(Object.keys(graph.nodes).sort()).toEqual(['api', 'cache', 'shop', 'web']);
    for (const name of Object.keys(graph.nodes).sort()) {
      const { root, targets } = graph.nodes[name].data;
      expect({ root, targets, dependencies: graph.dependencies[name] }).toMatchSnapshot(name);
    }
  }, 60_000);
});
