// The executor with a minimal ExecutorContext built from the workspace's real project.json
// files: its defaults come from helm-install and docker-build, and the real chart passes with
// the real helm. Only logging is observed.
import { ExecutorContext, logger, ProjectConfiguration } from '@nx/devkit';
import { readFileSync } from 'fs';
import { join } from 'path';
import { helmOnPath, WORKSPACE } from '../../validate/__fixtures__/workspace';
import validate from './validate.impl';
import { normalizeValidateOptions } from './normalize';

helmOnPath();

function project(root: string): ProjectConfiguration {
  return { ...JSON.parse(readFileSync(join(WORKSPACE, root, 'project.json'), 'utf8')), root };
}

function context(overrides: Record<string, ProjectConfiguration> = {}): ExecutorContext {
  const projects = { 'todo-app': project('charts/todo-app'), frontend: project('apps/frontend'), backend: project('apps/backend'), ...overrides };
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
    expect(normalizeValidateOptions({ configurations: { ci: [] }, dockerfiles: ['x.Dockerfile'], images: {} }, context())).toMatchObject({ configurations: { ci: [] }, dockerfiles: [{ file: 'x.Dockerfile' }], repositories: [] });
  });

  it('passes the real chart for dev and prod', async () => {
    const info = jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    const error = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    try {
      await expect(validate({}, context())).resolves.toEqual({ success: true });
      expect(error).not.toHaveBeenCalled();
      expect(info.mock.calls.flat().join('\n')).toMatch(/valid: chart charts\/todo-app rendered for dev \(6 manifests\), prod \(6 manifests\)/);
    } finally {
      jest.restoreAllMocks();
    }
  }, 30_000);

  it('prints one line per violation and fails', async () => {
    const error = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    try {
      const backend = project('apps/backend');
      backend.targets!['docker-build'].options.repository = 'Todo-Backend';
      await expect(validate({ dockerfiles: ['docker/missing.Dockerfile'] }, context({ backend }))).resolves.toEqual({ success: false });
      expect(error.mock.calls.map((c) => c[0])).toEqual([
        'apps/backend/project.json: Image/Todo-Backend targets.docker-build.options.repository: repository "Todo-Backend" has uppercase letters (Docker repositories are lowercase) (image of project backend) [image.repository-name] Fix: use lowercase letters, digits and separators (. _ - /), e.g. todo-backend',
        'docker/missing.Dockerfile: Dockerfile/missing.Dockerfile (file): the Dockerfile does not exist (option dockerfiles of todo-app:validate) [image.dockerfile-exists] Fix: create it, or correct the path',
        "nx-k8s todo-app:validate: 2 violation(s) of the data model's validation rules in charts/todo-app (dev, prod), 1 Dockerfile(s); nothing was deployed",
      ]);
    } finally {
      jest.restoreAllMocks();
    }
  }, 30_000);
});
