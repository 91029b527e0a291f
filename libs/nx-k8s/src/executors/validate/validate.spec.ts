// The executor with a minimal ExecutorContext holding the workspace's projects as Nx resolves
// them (inferred targets with project.json merged, from the real `nx graph`): its defaults come
// from helm-install and docker-build, and the real chart passes with the real helm. Only
// logging is observed.
import { ExecutorContext, logger, ProjectConfiguration } from '@nx/devkit';
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { helmOnPath, WORKSPACE } from '../../validate/__fixtures__/workspace';
import validate, { summaryNotes } from './validate.impl';
import { normalizeValidateOptions } from './normalize';

helmOnPath();

let resolved: Record<string, ProjectConfiguration> = {};
beforeAll(() => {
  const tmp = mkdtempSync(join(tmpdir(), 'nx-k8s-validate-graph-'));
  try {
    execFileSync(join(WORKSPACE, 'node_modules/.bin/nx'), ['graph', `--file=${join(tmp, 'graph.json')}`], {
      cwd: WORKSPACE,
      env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false' },
      stdio: 'pipe',
    });
    const nodes = JSON.parse(readFileSync(join(tmp, 'graph.json'), 'utf8')).graph.nodes as Record<string, { data: ProjectConfiguration }>;
    resolved = Object.fromEntries(Object.entries(nodes).map(([name, n]) => [name, n.data]));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}, 60_000);

function project(name: string): ProjectConfiguration {
  return JSON.parse(JSON.stringify(resolved[name]));
}

function context(overrides: Record<string, ProjectConfiguration> = {}): ExecutorContext {
  const projects = { 'todo-app': project('todo-app'), frontend: project('frontend'), backend: project('backend'), ...overrides };
  return {
    root: WORKSPACE,
    cwd: WORKSPACE,
    isVerbose: false,
    projectName: 'todo-app',
    targetName: 'validate',
    projectsConfigurations: { version: 2, projects },
    nxJsonConfiguration: {},
    projectGraph: { nodes: {}, dependencies: {} },
  };
}

describe('validate executor', () => {
  it("takes configurations, release, Dockerfiles and repositories from helm-install and the apps' docker-build", () => {
    const spec = normalizeValidateOptions({}, context());
    expect(spec).toMatchObject({
      chart: 'charts/todo-app',
      release: 'todo-app',
      namespace: 'default',
      configurations: { dev: ['values-dev.yaml'], prod: ['values-prod.yaml'] },
      dockerfiles: [
        { file: 'docker/backend.Dockerfile', listedBy: 'option dockerfile of backend:docker-build' },
        { file: 'docker/frontend.Dockerfile', listedBy: 'option dockerfile of frontend:docker-build' },
      ],
      repositories: [
        { project: 'backend', projectFile: 'apps/backend/project.json', repository: 'todo-backend' },
        { project: 'frontend', projectFile: 'apps/frontend/project.json', repository: 'todo-frontend' },
      ],
    });
    expect(normalizeValidateOptions({ configurations: { ci: [] }, dockerfiles: ['x.Dockerfile'], images: {} }, context())).toMatchObject({
      configurations: { ci: [] },
      dockerfiles: [{ file: 'x.Dockerfile' }],
      repositories: [],
    });
  });

  it("validates what each way of deploying deploys: helm-install's set per configuration, and the options alone without a default configuration", () => {
    const app = project('todo-app');
    const helmInstall = app.targets!['helm-install'];
    delete helmInstall.defaultConfiguration;
    helmInstall.options = { ...helmInstall.options, set: { 'backend.replicaCount': 2 } };
    helmInstall.configurations!.prod = { ...helmInstall.configurations!.prod, set: { 'frontend.replicaCount': 3 } };
    const spec = normalizeValidateOptions({}, context({ 'todo-app': app }));
    expect(spec.configurations).toEqual({ default: [], dev: ['values-dev.yaml'], prod: ['values-prod.yaml'] });
    expect(spec.set).toEqual({ default: { 'backend.replicaCount': 2 }, dev: { 'backend.replicaCount': 2 }, prod: { 'frontend.replicaCount': 3 } });
  });

  it('refuses an images path that is not an image value of every configuration', () => {
    expect(() => normalizeValidateOptions({ images: { frontend: 'frontend' } }, context())).toThrow(
      'option images of todo-app:validate: frontend in chart charts/todo-app (its values, its file:// subcharts\', values-dev.yaml) is not an image value (an object with repository and tag or digest, or one "repository:tag" string). Fix: name the image value itself: frontend.image',
    );
    const spec = normalizeValidateOptions({ images: { 'frontend.image': 'frontend' } }, context());
    expect(spec.repositories.map((r) => r.project)).toEqual(['frontend']);
    // Whether a template reads the path is the render's to say: the spec names the option's place and every image value.
    expect(spec.images?.option).toEqual({
      name: 'option images of todo-app:validate',
      file: 'charts/todo-app/project.json',
      field: 'targets.validate.options.images',
    });
    expect(spec.images?.configurations.dev.named).toEqual([{ path: 'frontend.image', project: 'frontend' }]);
    expect(spec.images?.configurations.dev.candidates.map((c) => c.path).sort()).toEqual(['backend.image', 'frontend.image']);
  });

  it('refuses an unknown rule id and a version that is none, in one line each', () => {
    expect(() => normalizeValidateOptions({ rules: { 'service.selectors': { off: true, reason: 'x' } } }, context())).toThrow(
      /^option rules of todo-app:validate: there is no rule service\.selectors\. Fix: use a rule id from the \[rule\] tags of validate's lines: image\.repository-name, /,
    );
    expect(() => normalizeValidateOptions({ kubeVersion: 'stable' }, context())).toThrow(
      'option kubeVersion of todo-app:validate: "stable" is not a Kubernetes version. Fix: write it as major.minor[.patch], e.g. 1.34 or v1.34.4',
    );
    expect(
      normalizeValidateOptions({ kubeVersion: '1.34', rules: { 'secret.size': { off: true, reason: 'big CA bundle' } }, strictSubcharts: true }, context()),
    ).toMatchObject({
      kubeVersion: 'v1.34',
      rulesOff: new Map([['secret.size', 'big CA bundle']]),
      strictSubcharts: true,
    });
  });

  it('says in its summary which Kubernetes version it rendered for, what it skipped and which rules are off', () => {
    const result = {
      violations: [],
      warnings: [{ file: 'f', resource: 'r', field: 'x', rule: 'service.type' as const, message: 'm', fix: 'f' }],
      switchedOff: [{ rule: 'secret.size' as const, reason: 'big CA bundle', hidden: 2 }],
      rendered: {},
      testHooks: ['Pod of charts/x/templates/test.yaml'],
    };
    expect(summaryNotes(result, { version: null, source: "helm's default: no kube context" })).toEqual([
      "Kubernetes helm's default version (helm's default: no kube context)",
      '1 helm test hook(s) skipped',
      '1 warning(s) in third-party subcharts (option strictSubcharts makes them fail)',
      'rule secret.size off: big CA bundle (2 violation(s) not reported)',
    ]);
  });

  it('passes the real chart for dev and prod', async () => {
    const info = jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    const error = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    try {
      // A version given: the spec asks no cluster.
      await expect(validate({ kubeVersion: '1.34.4' }, context())).resolves.toEqual({ success: true });
      expect(error).not.toHaveBeenCalled();
      expect(info.mock.calls.flat().join('\n')).toMatch(
        /valid: chart charts\/todo-app rendered for dev \(7 manifests\), prod \(6 manifests\), .*; Kubernetes v1\.34\.4 \(option kubeVersion\)/,
      );
    } finally {
      jest.restoreAllMocks();
    }
  }, 30_000);

  it('prints one line per violation and fails', async () => {
    const error = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    try {
      const backend = project('backend');
      backend.targets!['docker-build'].options.repository = 'Todo-Backend';
      await expect(
        validate(
          { dockerfiles: ['docker/missing.Dockerfile'], images: { 'frontend.image': 'frontend', 'backend.image': 'backend' }, kubeVersion: '1.34.4' },
          context({ backend }),
        ),
      ).resolves.toEqual({ success: false });
      expect(error.mock.calls.map((c) => c[0])).toEqual([
        'apps/backend/project.json: Image/Todo-Backend targets.docker-build.options.repository: repository "Todo-Backend" has uppercase letters (Docker repositories are lowercase) (image of project backend) [image.repository-name] Fix: use lowercase letters, digits and separators (. _ - /), e.g. todo-backend',
        'docker/missing.Dockerfile: Dockerfile/missing.Dockerfile (file): the Dockerfile does not exist (option dockerfiles of todo-app:validate) [image.dockerfile-exists] Fix: create it, or correct the path',
        "nx-k8s todo-app:validate: 2 violation(s) of the data model's validation rules in charts/todo-app (dev, prod), 1 Dockerfile(s); Kubernetes v1.34.4 (option kubeVersion); nothing was deployed",
      ]);
    } finally {
      jest.restoreAllMocks();
    }
  }, 30_000);
});
