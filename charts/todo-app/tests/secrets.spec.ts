import { randomBytes } from 'crypto';
import { ChartWorkspace, find, Manifest } from './helm';

const ws = new ChartWorkspace();
beforeAll(() => ws.dependencyBuild());
afterAll(() => ws.remove());

// Throwaway values made up per run, given only on the command line: nothing secret is on disk.
const fake = () => `test-${randomBytes(12).toString('hex')}`;
const setSecret = (key: string, value: string) => ['--set-string', `global.secrets.${key}=${value}`];

async function render(args: string[]): Promise<Manifest[]> {
  return (await ws.template(['-f', ws.values('dev'), ...args])).manifests;
}

describe('Secret todo-secrets', () => {
  it('is Opaque and empty when no secret is given', async () => {
    const secret = find(await render([]), 'Secret', 'todo-secrets');
    expect(secret.type).toBe('Opaque');
    expect(secret.data).toBeUndefined();
  });

  it('holds exactly the given keys, base64 encoded', async () => {
    const given = { GROQ_API_KEY: fake(), BETTER_AUTH_SECRET: fake() };
    const secret = find(
      await render([...setSecret('GROQ_API_KEY', given.GROQ_API_KEY), ...setSecret('BETTER_AUTH_SECRET', given.BETTER_AUTH_SECRET)]),
      'Secret',
      'todo-secrets',
    );
    expect(Object.keys(secret.data).sort()).toEqual(['BETTER_AUTH_SECRET', 'GROQ_API_KEY']);
    // Compared as booleans so that a failure never prints a value.
    for (const [key, value] of Object.entries(given)) {
      const stored = Buffer.from(secret.data[key], 'base64').toString('utf8');
      expect({ key, matches: stored === value }).toEqual({ key, matches: true });
    }
  });

  it('leaves out a key given as an empty string', async () => {
    const secret = find(await render([...setSecret('DATABASE_URL', ''), ...setSecret('GROQ_API_KEY', fake())]), 'Secret', 'todo-secrets');
    expect(Object.keys(secret.data)).toEqual(['GROQ_API_KEY']);
  });
});

describe('pod template checksums roll only the Deployments whose config changed', () => {
  const podTemplates = async (args: string[]) => {
    const manifests = await render(args);
    return {
      frontend: find(manifests, 'Deployment', 'todo-frontend').spec.template,
      backend: find(manifests, 'Deployment', 'todo-backend').spec.template,
    };
  };
  let base: Awaited<ReturnType<typeof podTemplates>>;
  beforeAll(async () => {
    base = await podTemplates([]);
  });

  it('carries checksums of the config and of the secrets each Deployment reads', () => {
    for (const template of [base.frontend, base.backend]) {
      expect(template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
      expect(template.metadata.annotations['checksum/secrets']).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('is stable when nothing changes', async () => {
    expect(await podTemplates([])).toEqual(base);
  });

  it.each(['GROQ_API_KEY', 'DATABASE_URL'])('a change of backend-only %s rolls the backend only', async (key) => {
    const changed = await podTemplates(setSecret(key, fake()));
    expect(changed.backend.metadata.annotations['checksum/secrets']).not.toBe(base.backend.metadata.annotations['checksum/secrets']);
    expect(changed.frontend).toEqual(base.frontend);
  });

  it('a change of a backend-only chart value rolls the backend only', async () => {
    const changed = await podTemplates(['--set', 'backend.resources.limits.memory=640Mi']);
    expect(changed.backend).not.toEqual(base.backend);
    expect(changed.frontend).toEqual(base.frontend);
  });

  it('a change of frontend-only BETTER_AUTH_SECRET rolls the frontend only', async () => {
    const changed = await podTemplates(setSecret('BETTER_AUTH_SECRET', fake()));
    expect(changed.frontend.metadata.annotations['checksum/secrets']).not.toBe(base.frontend.metadata.annotations['checksum/secrets']);
    expect(changed.backend).toEqual(base.backend);
  });

  it('a change of the shared ConfigMap rolls both', async () => {
    const changed = await podTemplates(['--set', 'global.config.LOG_LEVEL=error']);
    expect(changed.frontend.metadata.annotations['checksum/config']).not.toBe(base.frontend.metadata.annotations['checksum/config']);
    expect(changed.backend.metadata.annotations['checksum/config']).not.toBe(base.backend.metadata.annotations['checksum/config']);
  });
});
