import { readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { ChartWorkspace } from './helm';

const ws = new ChartWorkspace();
beforeAll(() => ws.dependencyBuild());
afterAll(() => ws.remove());

describe('helm lint --strict', () => {
  it.each(['dev', 'prod'] as const)('passes for todo-app with values-%s.yaml', async (env) => {
    const { exitCode, stdout, stderr } = await ws.helm(['lint', '--strict', ws.umbrella, '-f', ws.values(env)]);
    expect({ exitCode, output: stdout + stderr }).toMatchObject({ exitCode: 0 });
  });

  it.each(['frontend', 'backend'])('passes for the %s subchart on its own', async (chart) => {
    const { exitCode, stdout, stderr } = await ws.helm(['lint', '--strict', join(ws.root, chart)]);
    expect({ exitCode, output: stdout + stderr }).toMatchObject({ exitCode: 0 });
  });
});

describe('committed values files', () => {
  const files = ['values.yaml', 'values-dev.yaml', 'values-prod.yaml'];

  it.each(files)('%s holds no secret value', (file) => {
    const values = parse(readFileSync(join(ws.umbrella, file), 'utf8'));
    const secrets: Record<string, unknown> = values?.global?.secrets ?? {};
    // Key names only in the failure message, never values.
    const filled = Object.keys(secrets).filter((key) => secrets[key] !== '');
    expect(filled).toEqual([]);
  });
});
