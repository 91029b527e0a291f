// The app generator on a virtual tree. What it writes is then read as the plugin reads a
// workspace (inference, the project graph's edges, the image values) and rendered with the real
// helm through the validate library: a missing helm fails these specs.
import { addProjectConfiguration, readJson, readNxJson, Tree, writeJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { basename, dirname, join } from 'path';
import { parse } from 'yaml';
import { createDependencies, createNodes } from '../../plugins/plugin';
import { imagesDeployedBy } from '../../release/images';
import { formatViolation, validateRelease, ValidationSpec } from '../../validate';
import { helmOnPath, realTools, WORKSPACE } from '../../validate/__fixtures__/workspace';
import { lockDigest } from '../../validate/rules/chart';
import { appGenerator } from './app';

helmOnPath();
jest.setTimeout(60_000);

const temps: string[] = [];
afterAll(() => temps.forEach((t) => rmSync(t, { recursive: true, force: true })));

function workspace(name = '@acme/shop'): Tree {
  const tree = createTreeWithEmptyWorkspace();
  writeJson(tree, 'package.json', { name, private: true });
  return tree;
}

function nodeProject(tree: Tree, name = 'api', root = `apps/${name}`): void {
  addProjectConfiguration(tree, name, { root, targets: {} });
  writeJson(tree, `${root}/package.json`, { name, scripts: { start: 'node server.js' } });
  tree.write(`${root}/package-lock.json`, '{}\n');
  tree.write(`${root}/server.js`, "require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT);\n");
}

function pythonProject(tree: Tree, name = 'worker'): void {
  addProjectConfiguration(tree, name, { root: `apps/${name}`, targets: {} });
  tree.write(`apps/${name}/pyproject.toml`, `[project]\nname = "${name}"\nversion = "0.1.0"\n`);
  tree.write(`apps/${name}/requirements.txt`, 'fastapi==0.115.0\n');
  tree.write(`apps/${name}/main.py`, 'print("hi")\n');
}

const read = (tree: Tree, file: string) => {
  if (!tree.exists(file)) throw new Error(`${file} was not written`);
  return tree.read(file, 'utf-8')!;
};
const yaml = (tree: Tree, file: string) => parse(read(tree, file));

/** Every file of the tree with its content. */
function snapshot(tree: Tree): Record<string, string> {
  return Object.fromEntries(
    tree
      .listChanges()
      .filter((c) => c.type !== 'DELETE')
      .map((c) => [c.path, c.content!.toString('utf-8')])
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** The tree on disk, for the plugin and helm. */
function onDisk(tree: Tree): string {
  const root = mkdtempSync(join(tmpdir(), 'nx-k8s-app-generator-'));
  temps.push(root);
  for (const [file, content] of Object.entries(snapshot(tree))) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), content);
  }
  return root;
}

function filesUnder(root: string, dir = ''): string[] {
  return readdirSync(join(root, dir)).flatMap((n) => {
    const p = dir ? `${dir}/${n}` : n;
    return statSync(join(root, p)).isDirectory() ? filesUnder(root, p) : [p];
  });
}

/** What the plugin infers for the workspace on disk, and the edges of its project graph. */
async function inferred(root: string, names: Record<string, string>) {
  const files = filesUnder(root).filter((f) => /(^|\/)(Dockerfile|[^/]*\.Dockerfile|Chart\.yaml|project\.json)$/.test(f));
  const results = await createNodes[1](files, undefined, { workspaceRoot: root, nxJsonConfiguration: {} });
  const projects: Record<string, { root: string; targets: Record<string, { executor?: string; options?: unknown }> }> = {};
  for (const [, result] of results) {
    for (const [projectRoot, p] of Object.entries(result.projects ?? {})) {
      projects[names[projectRoot] ?? p.name ?? projectRoot] = { root: projectRoot, targets: p.targets as never };
    }
  }
  const projectFileMap = Object.fromEntries(
    Object.entries(projects).map(([n, p]) => [n, filesUnder(root, p.root).map((f) => ({ file: `${p.root}/${f}`, hash: '' }))]),
  );
  const edges = await createDependencies(undefined, {
    projects,
    workspaceRoot: root,
    nxJsonConfiguration: {},
    fileMap: { projectFileMap, nonProjectFiles: [] },
    filesToProcess: { projectFileMap: {}, nonProjectFiles: [] },
    externalNodes: {},
  } as never);
  return { projects, edges: edges.map((e) => `${e.source} -> ${e.target}`) };
}

function spec(
  root: string,
  chart: string,
  images: Array<{ project: string; root: string; repository: string }>,
  configurations: Record<string, string[]>,
): ValidationSpec {
  return {
    root,
    chart,
    release: basename(chart),
    namespace: 'default',
    configurations,
    dockerfiles: images.map((i) => ({ file: `${i.root}/Dockerfile`, listedBy: `the ${i.project} project` })),
    repositories: images.map((i) => ({ project: i.project, projectFile: `${i.root}/project.json`, repository: i.repository })),
    rulesOff: new Map(),
    strictSubcharts: false,
  };
}

describe('a Node project', () => {
  let tree: Tree;
  beforeAll(async () => {
    tree = workspace();
    nodeProject(tree);
    await appGenerator(tree, { project: 'api', skipFormat: true });
  });

  it('gets a Dockerfile with a pinned base image as a build argument, a non-root user, the port and npm start', () => {
    const dockerfile = read(tree, 'apps/api/Dockerfile');
    expect(dockerfile).toContain('ARG BASE_IMAGE=node:20-slim\nFROM ${BASE_IMAGE}\n');
    expect(dockerfile).toContain('COPY package.json package-lock.json ./\nRUN npm ci\n');
    expect(dockerfile).toContain('USER 10001:10001\nEXPOSE 8080\nCMD ["npm","start"]\n');
    expect(dockerfile).toMatch(/PORT=8080/);
    expect(dockerfile).not.toMatch(/latest/);
    expect(read(tree, 'apps/api/.dockerignore').split('\n')).toEqual(expect.arrayContaining(['node_modules', '.env', '.env.*']));
  });

  it('gets a subchart beside a new umbrella named after the workspace, with image, port, resources and probes in its values', () => {
    expect(yaml(tree, 'charts/api/Chart.yaml')).toMatchObject({ apiVersion: 'v2', name: 'api', version: '0.1.0' });
    expect(yaml(tree, 'charts/api/values.yaml')).toEqual({
      replicaCount: 1,
      image: { repository: 'api', tag: '0.1.0', pullPolicy: 'IfNotPresent' },
      service: { type: 'ClusterIP', port: 8080 },
      healthPath: '/',
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      envFrom: { configMap: 'acme-shop-config', secret: 'acme-shop-secrets' },
    });
    for (const t of ['deployment.yaml', 'service.yaml', '_helpers.tpl']) expect(tree.exists(`charts/api/templates/${t}`)).toBe(true);
    expect(read(tree, 'charts/api/templates/deployment.yaml')).toContain('containerPort: 8080');
  });

  it('wires it into the umbrella: a file:// dependency, <chart>.image in its values, a Chart.lock helm accepts', () => {
    const chart = yaml(tree, 'charts/acme-shop/Chart.yaml');
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'acme-shop', version: '0.1.0' });
    expect(chart.dependencies).toEqual([{ name: 'api', version: '0.1.0', repository: 'file://../api' }]);
    expect(yaml(tree, 'charts/acme-shop/values.yaml')).toEqual({ global: { config: {}, secrets: {} }, api: { image: { repository: 'api', tag: '0.1.0' } } });
    const lock = yaml(tree, 'charts/acme-shop/Chart.lock');
    expect(lock.dependencies).toEqual([{ name: 'api', repository: 'file://../api', version: '0.1.0' }]);
    expect(lock.digest).toBe(lockDigest(chart.dependencies, lock.dependencies));
  });

  it('gives the umbrella the shared ConfigMap and Secret, and no secret value in any values file', () => {
    expect(read(tree, 'charts/acme-shop/templates/configmap.yaml')).toMatch(/kind: ConfigMap\nmetadata:\n {2}name: acme-shop-config\n/);
    expect(read(tree, 'charts/acme-shop/templates/secret.yaml')).toMatch(/kind: Secret\nmetadata:\n {2}name: acme-shop-secrets\n/);
    expect(read(tree, 'charts/api/templates/deployment.yaml')).toContain(
      'envFrom:\n            - configMapRef:\n                name: {{ .Values.envFrom.configMap }}\n            - secretRef:\n                name: {{ .Values.envFrom.secret }}',
    );
    expect(yaml(tree, 'charts/acme-shop/values.yaml').global.secrets).toEqual({});
  });

  it('registers the plugin and git-ignores the packaged subchart (the init generator)', () => {
    expect(readNxJson(tree)?.plugins).toContain('nx-k8s');
    expect(read(tree, '.gitignore').split('\n')).toContain('/charts/acme-shop/charts/api-*.tgz');
  });

  it('is what the plugin deploys: an image project, a release project depending on it, its image at api.image', async () => {
    const root = onDisk(tree);
    const { projects, edges } = await inferred(root, { 'apps/api': 'api' });
    expect(Object.keys(projects).sort()).toEqual(['acme-shop', 'api']);
    expect(Object.keys(projects.api.targets)).toEqual(['docker-build', 'minikube-load', 'deploy']);
    expect(Object.keys(projects['acme-shop'].targets)).toEqual(['validate', 'helm-install', 'deploy', 'status', 'logs', 'dev', 'port-forward']);
    expect(edges).toEqual(['acme-shop -> api']);
    expect(imagesDeployedBy(join(root, 'charts/acme-shop'), [{ project: 'api', repository: 'api' }])).toEqual({ 'api.image': 'api' });
  });
});

describe('a Python project', () => {
  it('gets a Dockerfile that installs requirements.txt and the project, with the options given', async () => {
    const tree = workspace();
    pythonProject(tree);
    await appGenerator(tree, {
      project: 'worker',
      port: 8000,
      command: 'uvicorn main:app --host 0.0.0.0 --port 8000',
      healthPath: '/health',
      baseImage: 'registry.local:5000/python:3.12.4-slim',
      skipFormat: true,
    });
    const dockerfile = read(tree, 'apps/worker/Dockerfile');
    expect(dockerfile).toContain('ARG BASE_IMAGE=registry.local:5000/python:3.12.4-slim\nFROM ${BASE_IMAGE}\n');
    expect(dockerfile).toContain('RUN python3 -m venv /opt/venv\nENV PATH=/opt/venv/bin:$PATH\n');
    expect(dockerfile).toContain('COPY requirements.txt ./\nRUN pip install -r requirements.txt\nCOPY . .\nRUN pip install .\n');
    expect(dockerfile).toContain('USER 10001:10001\nEXPOSE 8000\nCMD ["uvicorn","main:app","--host","0.0.0.0","--port","8000"]\n');
    expect(read(tree, 'apps/worker/.dockerignore').split('\n')).toEqual(expect.arrayContaining(['.venv', '**/__pycache__', '.env']));
    expect(yaml(tree, 'charts/worker/values.yaml')).toMatchObject({ service: { port: 8000 }, healthPath: '/health' });
    expect(read(tree, 'charts/worker/templates/deployment.yaml')).toContain('containerPort: 8000');
  });

  it('defaults to python:3.11-slim and python main.py; a pyproject.toml with tool settings only is not installed', async () => {
    const tree = workspace();
    addProjectConfiguration(tree, 'job', { root: 'apps/job', targets: {} });
    tree.write('apps/job/pyproject.toml', '[tool.ruff]\nline-length = 100\n');
    await appGenerator(tree, { project: 'job', skipFormat: true });
    const dockerfile = read(tree, 'apps/job/Dockerfile');
    expect(dockerfile).toContain('ARG BASE_IMAGE=python:3.11-slim\n');
    expect(dockerfile).toContain('CMD ["python","main.py"]\n');
    expect(dockerfile).not.toMatch(/pip install/);
  });

  it('is Python when it keeps a package.json only for Nx', async () => {
    const tree = workspace();
    pythonProject(tree);
    writeJson(tree, 'apps/worker/package.json', { name: 'worker' });
    await appGenerator(tree, { project: 'worker', skipFormat: true });
    expect(read(tree, 'apps/worker/Dockerfile')).toContain('ARG BASE_IMAGE=python:3.11-slim\n');
  });
});

describe('a project that has a Dockerfile', () => {
  it('keeps it byte for byte, writes no .dockerignore, and takes the port it exposes', async () => {
    const tree = workspace();
    nodeProject(tree);
    const own = 'FROM node:22.1.0-alpine\nUSER node\nEXPOSE 3000\nCMD ["node", "server.js"]\n';
    tree.write('apps/api/Dockerfile', own);
    await appGenerator(tree, { project: 'api', skipFormat: true });
    expect(read(tree, 'apps/api/Dockerfile')).toBe(own);
    expect(tree.exists('apps/api/.dockerignore')).toBe(false);
    expect(yaml(tree, 'charts/api/values.yaml').service.port).toBe(3000);
    expect(read(tree, 'charts/api/templates/deployment.yaml')).toContain('containerPort: 3000');
  });

  it('kept elsewhere (docker-build option dockerfile): writes no Dockerfile, and uses the docker-build repository option', async () => {
    const tree = workspace();
    addProjectConfiguration(tree, 'web', {
      root: 'apps/web',
      targets: { 'docker-build': { options: { dockerfile: 'docker/web.Dockerfile', context: '.', repository: 'shop-web' } } },
    });
    tree.write('docker/web.Dockerfile', 'FROM nginx:1.27\nEXPOSE 80\n');
    await appGenerator(tree, { project: 'web', skipFormat: true });
    expect(tree.exists('apps/web/Dockerfile')).toBe(false);
    expect(yaml(tree, 'charts/acme-shop/values.yaml').web.image.repository).toBe('shop-web');
    expect(yaml(tree, 'charts/web/values.yaml')).toMatchObject({ image: { repository: 'shop-web' }, service: { port: 80 } });
  });
});

describe('the umbrella', () => {
  function platform(tree: Tree): void {
    tree.write('deploy/platform/Chart.yaml', 'apiVersion: v2\nname: platform\nversion: 1.2.0\n');
    tree.write('deploy/platform/values.yaml', '# Shared settings\nglobal:\n  config:\n    LOG_LEVEL: info\n');
    tree.write('deploy/platform/templates/env.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: platform-env\ndata:\n  A: "1"\n');
    writeJson(tree, 'deploy/platform/values.schema.json', { type: 'object', additionalProperties: false, properties: { global: { type: 'object' } } });
  }

  it("is the workspace's only release chart when there is one: its ConfigMap is shared, a Secret is added, its schema takes the app", async () => {
    const tree = workspace();
    nodeProject(tree);
    platform(tree);
    await appGenerator(tree, { project: 'api', skipFormat: true });
    expect(tree.exists('charts/acme-shop')).toBe(false);
    expect(yaml(tree, 'deploy/platform/Chart.yaml').dependencies).toEqual([{ name: 'api', version: '0.1.0', repository: 'file://../api' }]);
    expect(yaml(tree, 'deploy/api/values.yaml').envFrom).toEqual({ configMap: 'platform-env', secret: 'platform-secrets' });
    expect(tree.exists('deploy/platform/templates/configmap.yaml')).toBe(false);
    expect(read(tree, 'deploy/platform/templates/secret.yaml')).toContain('name: platform-secrets');
    expect(read(tree, 'deploy/platform/values.yaml')).toMatch(/^# Shared settings\nglobal:\n {2}config:\n {4}LOG_LEVEL: info\n {2}secrets: {}\n/);
    expect(yaml(tree, 'deploy/platform/values.yaml').api).toEqual({ image: { repository: 'api', tag: '0.1.0' } });
    expect(readJson(tree, 'deploy/platform/values.schema.json').properties.api).toEqual({
      description: 'Values of the api subchart, which validates them.',
      type: 'object',
    });
  });

  it("leaves out the charts nx.json's plugin entry excludes from inference", async () => {
    const tree = workspace();
    nodeProject(tree);
    platform(tree);
    tree.write('fixtures/charts/upstream/Chart.yaml', 'apiVersion: v2\nname: upstream\nversion: 0.1.0\n');
    writeJson(tree, 'nx.json', { plugins: [{ plugin: 'nx-k8s', exclude: ['fixtures/**'] }] });
    await appGenerator(tree, { project: 'api', skipFormat: true });
    expect(yaml(tree, 'deploy/platform/Chart.yaml').dependencies).toEqual([{ name: 'api', version: '0.1.0', repository: 'file://../api' }]);
  });

  it('is created as charts/<workspace name> when there are several release charts', async () => {
    const tree = workspace('Shop_Monorepo');
    nodeProject(tree);
    platform(tree);
    tree.write('deploy/other/Chart.yaml', 'apiVersion: v2\nname: other\nversion: 0.1.0\n');
    await appGenerator(tree, { project: 'api', skipFormat: true });
    expect(yaml(tree, 'charts/shop-monorepo/Chart.yaml').dependencies).toEqual([{ name: 'api', version: '0.1.0', repository: 'file://../api' }]);
    expect(yaml(tree, 'deploy/platform/Chart.yaml').dependencies).toBeUndefined();
  });

  it('is the one option umbrella names: a name under charts/, or a directory', async () => {
    const tree = workspace();
    nodeProject(tree);
    platform(tree);
    await appGenerator(tree, { project: 'api', umbrella: 'store', skipFormat: true });
    expect(yaml(tree, 'charts/store/Chart.yaml').dependencies).toEqual([{ name: 'api', version: '0.1.0', repository: 'file://../api' }]);
    nodeProject(tree, 'admin');
    await appGenerator(tree, { project: 'admin', umbrella: 'deploy/platform', skipFormat: true });
    expect(yaml(tree, 'deploy/platform/Chart.yaml').dependencies).toEqual([{ name: 'admin', version: '0.1.0', repository: 'file://../admin' }]);
  });

  it('refuses one whose shared ConfigMap cannot be told apart, naming them', async () => {
    const tree = workspace();
    nodeProject(tree);
    platform(tree);
    tree.write('deploy/platform/templates/more.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-more\n');
    await expect(appGenerator(tree, { project: 'api', skipFormat: true })).rejects.toThrow(
      'umbrella chart deploy/platform declares several ConfigMaps (platform-env in deploy/platform/templates/env.yaml, (a computed name) in deploy/platform/templates/more.yaml)',
    );
  });
});

describe('running it again', () => {
  it('for the same project changes nothing', async () => {
    const tree = workspace();
    nodeProject(tree);
    await appGenerator(tree, { project: 'api', skipFormat: true });
    const first = snapshot(tree);
    await appGenerator(tree, { project: 'api', skipFormat: true });
    expect(snapshot(tree)).toEqual(first);
  });

  it('for a second project adds it to the same umbrella, after the first', async () => {
    const tree = workspace();
    nodeProject(tree);
    pythonProject(tree);
    await appGenerator(tree, { project: 'api', skipFormat: true });
    await appGenerator(tree, { project: 'worker', port: 8000, skipFormat: true });
    const chart = yaml(tree, 'charts/acme-shop/Chart.yaml');
    expect(chart.dependencies).toEqual([
      { name: 'api', version: '0.1.0', repository: 'file://../api' },
      { name: 'worker', version: '0.1.0', repository: 'file://../worker' },
    ]);
    expect(yaml(tree, 'charts/acme-shop/values.yaml')).toEqual({
      global: { config: {}, secrets: {} },
      api: { image: { repository: 'api', tag: '0.1.0' } },
      worker: { image: { repository: 'worker', tag: '0.1.0' } },
    });
    const lock = yaml(tree, 'charts/acme-shop/Chart.lock');
    expect(lock.dependencies.map((d: { name: string }) => d.name)).toEqual(['api', 'worker']);
    expect(lock.digest).toBe(lockDigest(chart.dependencies, lock.dependencies));
    expect(yaml(tree, 'charts/worker/values.yaml').envFrom).toEqual({ configMap: 'acme-shop-config', secret: 'acme-shop-secrets' });
  });
});

describe('names', () => {
  it('a project name that is no Docker repository: docker-build gets a repository option, the chart a DNS name', async () => {
    const tree = workspace();
    tree.write('package.json', JSON.stringify({ name: 'shop', workspaces: ['apps/*'] }));
    writeJson(tree, 'apps/web/package.json', { name: '@acme/Web', scripts: { start: 'node server.js' } });
    await appGenerator(tree, { project: '@acme/Web', skipFormat: true });
    expect(readJson(tree, 'apps/web/package.json').nx).toEqual({ targets: { 'docker-build': { options: { repository: 'acme/web' } } } });
    expect(yaml(tree, 'charts/shop/Chart.yaml').dependencies).toEqual([{ name: 'acme-web', version: '0.1.0', repository: 'file://../acme-web' }]);
    expect(yaml(tree, 'charts/shop/values.yaml')['acme-web'].image.repository).toBe('acme/web');
  });

  it("the plugin's own target name and Dockerfile pattern", async () => {
    const tree = workspace();
    nodeProject(tree);
    writeJson(tree, 'nx.json', { plugins: [{ plugin: 'nx-k8s', options: { buildTargetName: 'image', dockerfilePattern: '**/*.Dockerfile' } }] });
    await appGenerator(tree, { project: 'api', skipFormat: true });
    expect(readJson(tree, 'apps/api/project.json').targets.image).toEqual({ options: { dockerfile: 'apps/api/Dockerfile' } });
  });
});

describe('refusals, each one line with its fix', () => {
  it.each([
    [
      'a project that is neither Node nor Python',
      {},
      'is neither Node (package.json) nor Python (pyproject.toml, requirements.txt) and has no Dockerfile. Fix:',
    ],
    ['a base image without a tag', { baseImage: 'node' }, 'option baseImage: node has no tag, so Docker takes latest'],
    ['the latest base image', { baseImage: 'node:latest' }, 'option baseImage: tag of node is latest'],
    ['a health path that is no path', { healthPath: 'health' }, 'option healthPath "health" is not a path. Fix: start it with /'],
  ])('%s', async (_what, options, message) => {
    const tree = workspace();
    addProjectConfiguration(tree, 'x', { root: 'apps/x', targets: {} });
    if (Object.keys(options).length) writeJson(tree, 'apps/x/package.json', { name: 'x' });
    await expect(appGenerator(tree, { project: 'x', skipFormat: true, ...options })).rejects.toThrow(message);
  });
});

describe('the generated charts pass the plugin validate (helm template with the real helm)', () => {
  it('a new umbrella with a Node and a Python app', async () => {
    const tree = workspace();
    nodeProject(tree);
    pythonProject(tree);
    await appGenerator(tree, { project: 'api', skipFormat: true });
    await appGenerator(tree, { project: 'worker', healthPath: '/health', skipFormat: true });
    const root = onDisk(tree);
    const images = [
      { project: 'api', root: 'apps/api', repository: 'api' },
      { project: 'worker', root: 'apps/worker', repository: 'worker' },
    ];
    const r = await validateRelease(spec(root, 'charts/acme-shop', images, { default: [] }), { ...realTools(root), tracked: async () => null });
    expect(r.violations.map((v) => formatViolation(v))).toEqual([]);
    // ConfigMap, Secret, and a Deployment and Service per app.
    expect(r.rendered).toEqual({ default: 6 });
  });

  it("this repository's todo-app umbrella with a third app: it shares todo-config and todo-secrets, in both configurations", async () => {
    const tree = workspace();
    for (const dir of ['charts/todo-app', 'charts/frontend', 'charts/backend']) {
      // The chart sources, not the Nx project's tests and tooling or packages built in place.
      for (const f of filesUnder(join(WORKSPACE, dir)).filter(
        (f) => !/^(tests|scripts|charts)\/|^jest\.config\.ts$|^tsconfig\.spec\.json$|\.tgz$|^\.nx-k8s/.test(f),
      ))
        tree.write(`${dir}/${f}`, readFileSync(join(WORKSPACE, dir, f)));
    }
    nodeProject(tree, 'notes');
    await appGenerator(tree, { project: 'notes', skipFormat: true });
    // The Secret's name, not a secret value (the repository's secret scan reads `secret: '...'` as one).
    const { configMap, secret } = yaml(tree, 'charts/notes/values.yaml').envFrom;
    expect([configMap, secret]).toEqual(['todo-config', 'todo-secrets']);
    const root = onDisk(tree);
    const images = [{ project: 'notes', root: 'apps/notes', repository: 'notes' }];
    const configurations = { dev: ['values-dev.yaml'], prod: ['values-prod.yaml'] };
    const r = await validateRelease(spec(root, 'charts/todo-app', images, configurations), { ...realTools(root), tracked: async () => null });
    expect(r.violations.map((v) => formatViolation(v, ['dev', 'prod']))).toEqual([]);
    // The chart's 6 and the new app's Deployment and Service.
    // dev also renders the backend database's PersistentVolumeClaim.
    expect(r.rendered).toEqual({ dev: 9, prod: 8 });
    expect(imagesDeployedBy(join(root, 'charts/todo-app'), [{ project: 'notes', repository: 'notes' }])).toEqual({ 'notes.image': 'notes' });
  });
});
