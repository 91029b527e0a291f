import { mkdtempSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { clearSecretsForTests, mask } from './mask';
import { nxDotenvFiles, parseEnvFile, readSecrets, SecretAlteredError, secretsDigest } from '.';

afterEach(clearSecretsForTests);

const mapping = {
  DATABASE_URL: 'global.secrets.DATABASE_URL',
  GROQ_API_KEY: 'global.secrets.GROQ_API_KEY',
  BETTER_AUTH_SECRET: 'global.secrets.BETTER_AUTH_SECRET',
};

function workspace(files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), 'nx-k8s-'));
  for (const [f, text] of Object.entries(files)) writeFileSync(join(root, f), text);
  return { root, envFile: '.env', nxDotenvFiles: nxDotenvFiles('charts/todo-app', 'helm-install', 'dev') };
}

describe('secrets', () => {
  it('parses env files literally: no $ expansion, quotes removed, # comments', () => {
    expect(parseEnvFile('# c\nexport A=1\nB="two words"\nC=\'x#y\'\nD=v # comment\nE=pa$word-xyz\nF="${HOME} $X"\nbad line\n')).toEqual({
      A: '1',
      B: 'two words',
      C: 'x#y',
      D: 'v',
      E: 'pa$word-xyz',
      F: '${HOME} $X',
    });
  });
  it('takes the env file over the environment (Nx puts an expanded copy of it there), the environment for the rest', () => {
    const src = workspace({ '.env': 'DATABASE_URL=postgresql://u:pa$word@h/db\nGROQ_API_KEY=gsk_fromfile123\n' });
    // What Nx gives the task: .env expanded ($word is empty), and a shell value.
    const env = { DATABASE_URL: 'postgresql://u:pa@h/db', GROQ_API_KEY: 'gsk_fromshell456', BETTER_AUTH_SECRET: 'from the shell, 1,2' };
    const r = readSecrets(mapping, env, src);
    expect(r.values).toEqual({
      'global.secrets.DATABASE_URL': 'postgresql://u:pa$word@h/db',
      'global.secrets.GROQ_API_KEY': 'gsk_fromfile123',
      'global.secrets.BETTER_AUTH_SECRET': 'from the shell, 1,2',
    });
    expect(r.notes).toEqual(['GROQ_API_KEY: using .env (the environment holds another value; the env file wins)']);
    expect(r.notes.join(' ')).not.toMatch(/gsk_/);
    expect(mask('key=gsk_fromfile123 url=postgresql://u:pa$word@h/db')).toBe('key=**** url=****');
  });
  it('refuses a secret that Nx expanded from another dotenv file', () => {
    const src = workspace({ '.env.local': 'GROQ_API_KEY=gsk_$abc-def\n' });
    expect(() => readSecrets(mapping, { GROQ_API_KEY: 'gsk_-def' }, src)).toThrow(SecretAlteredError);
    expect(() => readSecrets(mapping, { GROQ_API_KEY: 'gsk_-def' }, src)).toThrow(
      "secret GROQ_API_KEY reached the task from .env.local, which Nx loads with $-expansion: the value it received is not the file's (12 characters in the file, 8 received). Fix: move GROQ_API_KEY to .env (nx-k8s reads it literally, option envFile) or export it in the environment",
    );
    // Without a $ there is nothing Nx could have altered: a different value is the shell's.
    const plain = workspace({ '.env.local': 'GROQ_API_KEY=gsk_plain\n' });
    expect(readSecrets(mapping, { GROQ_API_KEY: 'gsk_shell' }, plain).values).toEqual({ 'global.secrets.GROQ_API_KEY': 'gsk_shell' });
  });
  it('lists the dotenv files Nx loads for a task', () => {
    const files = nxDotenvFiles('charts/todo-app', 'helm-install', 'dev');
    expect(files).toContain('.env');
    expect(files).toContain('.env.local');
    expect(files).toContain('.env.helm-install.dev');
    expect(files).toContain('charts/todo-app/.env');
    expect(files).toContain('.dev.local.env');
  });
  it('digests with a machine-local key: stable, value-dependent, and not a plain hash of the values', () => {
    const env = { NX_K8S_STATE_DIR: mkdtempSync(join(tmpdir(), 'nx-k8s-state-')) };
    const a = secretsDigest({ k: 'v1' }, env);
    expect(secretsDigest({ k: 'v1' }, env)).toBe(a);
    expect(secretsDigest({ k: 'v2' }, env)).not.toBe(a);
    expect(statSync(join(env.NX_K8S_STATE_DIR, 'secrets-digest.key')).mode & 0o777).toBe(0o600);
    const other = { NX_K8S_STATE_DIR: mkdtempSync(join(tmpdir(), 'nx-k8s-state-')) };
    expect(secretsDigest({ k: 'v1' }, other)).not.toBe(a);
  });
});
