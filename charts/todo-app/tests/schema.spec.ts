import { ChartWorkspace } from './helm';

const ws = new ChartWorkspace();
beforeAll(() => ws.dependencyBuild());
afterAll(() => ws.remove());

// helm's schema error format changed across releases: assert only that it fails and names the field.
describe('values.schema.json refuses', () => {
  it.each([
    ['a negative replica count', ['--set', 'frontend.replicaCount=-1'], 'replicaCount'],
    ['a negative backend replica count', ['--set', 'backend.replicaCount=-2'], 'replicaCount'],
    ['a missing image repository', ['--set', 'backend.image.repository=null'], 'repository'],
    ['an image repository Docker would refuse', ['--set', 'frontend.image.repository=Todo_Frontend'], 'repository'],
    ['the moving tag', ['--set', 'frontend.image.tag=latest'], 'tag'],
    ['an unknown pull policy', ['--set', 'backend.image.pullPolicy=Sometimes'], 'pullPolicy'],
    ['an unknown Service type', ['--set', 'frontend.service.type=Ingress'], 'type'],
    ['a port out of range', ['--set', 'backend.service.port=70000'], 'port'],
    ['a misspelt resource', ['--set', 'backend.resources.limits.memroy=1Gi'], 'memroy'],
    ['a misspelt config key', ['--set', 'global.config.LOG_LEVL=debug'], 'LOG_LEVL'],
    ['an unknown environment', ['--set', 'global.config.ENVIRONMENT=prod'], 'ENVIRONMENT'],
    ['a FRONTEND_URL that is not an origin', ['--set', 'global.config.FRONTEND_URL=localhost:3000'], 'FRONTEND_URL'],
    ['an unknown secret key', ['--set-string', 'global.secrets.OPENAI_API_KEY=x'], 'OPENAI_API_KEY'],
    ['a misspelt persistence key', ['--set', 'backend.persistence.enable=true'], 'enable'],
    ['a StorageClass name Kubernetes would refuse', ['--set', 'backend.persistence.storageClass=Fast_SSD'], 'storageClass'],
    ['a claim size that is no quantity', ['--set', 'backend.persistence.size=lots'], 'size'],
  ])('%s', async (_what, args, field) => {
    const { exitCode, stderr } = await ws.helm(['template', 'todo-app', ws.umbrella, '-f', ws.values('dev'), ...args]);
    expect(exitCode).not.toBe(0);
    expect(stderr).toContain(field);
  });

  it('accepts a registry host with a port in the repository', async () => {
    const { exitCode, stderr } = await ws.helm([
      'template',
      'todo-app',
      ws.umbrella,
      '-f',
      ws.values('dev'),
      '--set',
      'backend.image.repository=localhost:5000/todo/backend',
    ]);
    expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: '' });
  });
});
