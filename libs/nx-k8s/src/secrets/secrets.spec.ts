import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { clearSecretsForTests, mask } from './mask';
import { parseEnvFile, readSecrets, secretsDigest, toValuesTree, withSecretsFile } from '.';

afterEach(clearSecretsForTests);

describe('secrets', () => {
  it('parses .env files', () => {
    expect(parseEnvFile('# c\nexport A=1\nB="two words"\nC=\'x#y\'\nD=v # comment\nbad line\n')).toEqual({ A: '1', B: 'two words', C: 'x#y', D: 'v' });
  });
  it('takes the environment over .env, leaves unset ones out, and masks what it read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nx-k8s-'));
    writeFileSync(join(dir, '.env'), 'DATABASE_URL=postgresql://u:file-pass@h/db\nGROQ_API_KEY=gsk_fromfile123\n');
    const v = readSecrets({ DATABASE_URL: 'global.secrets.DATABASE_URL', GROQ_API_KEY: 'global.secrets.GROQ_API_KEY', BETTER_AUTH_SECRET: 'global.secrets.BETTER_AUTH_SECRET' }, { GROQ_API_KEY: 'gsk_fromenv456' }, dir);
    expect(v).toEqual({ 'global.secrets.DATABASE_URL': 'postgresql://u:file-pass@h/db', 'global.secrets.GROQ_API_KEY': 'gsk_fromenv456' });
    expect(mask('key=gsk_fromenv456 url=postgresql://u:file-pass@h/db')).toBe('key=**** url=****');
  });
  it('digests without revealing, and changes with any value', () => {
    const a = secretsDigest({ k: 'v1' });
    expect(a).not.toContain('v1');
    expect(secretsDigest({ k: 'v2' })).not.toBe(a);
    expect(secretsDigest({})).toBe(secretsDigest({}));
  });
  it('hands helm a private values file and removes it afterwards', async () => {
    let seen = '';
    await withSecretsFile({ 'global.secrets.X': 's3cr3t' }, async (file) => {
      seen = file!;
      expect(statSync(file!).mode & 0o777).toBe(0o600);
      expect(readFileSync(file!, 'utf8')).toBe('global:\n  secrets:\n    X: s3cr3t\n');
    });
    expect(existsSync(seen)).toBe(false);
    expect(existsSync(dirname(seen))).toBe(false);
    expect(await withSecretsFile({}, async (f) => f)).toBeNull();
    expect(toValuesTree({ 'a.b': '1', 'a.c': '2' })).toEqual({ a: { b: '1', c: '2' } });
  });
});
