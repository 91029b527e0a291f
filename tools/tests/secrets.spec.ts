// No secret value in any committed file. The values the project's tests use as secrets are
// collected from the test sources and searched for everywhere else; secret-shaped strings
// (Groq keys, PostgreSQL URLs with a password, secret settings with a value) are searched for
// too, since the chart tests make theirs up per run.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { collectTestValues, committedFiles, describeFindings, scanRepository, TestValue } from './support/secret-scan';
import { run, runOk, WORKSPACE } from './support/workspace';

describe('committed files of the workspace', () => {
  let testValues: TestValue[];
  beforeAll(async () => {
    testValues = await collectTestValues(WORKSPACE);
  });

  it('the test sources define fake secrets to look for', () => {
    // e.g. the backend's PostgreSQL test passwords; none found would mean the collector broke.
    expect(testValues.length).toBeGreaterThan(0);
    console.log(`test secrets looked for:\n${testValues.map((v) => `  ${v.file}:${v.line}`).join('\n')}`);
  });

  it('hold no secret value (file:line: what was found)', async () => {
    const findings = await scanRepository(WORKSPACE, testValues);
    expect(describeFindings(findings)).toBe('');
  }, 60_000);

  it('.env is git-ignored and no dotenv file but .env.example is committed', async () => {
    for (const file of ['.env', '.env.local', '.env.production', 'apps/backend/.env', 'apps/frontend/.env']) {
      const r = await run('git', ['check-ignore', '-q', file]);
      expect({ file, ignored: r.exitCode === 0 }).toEqual({ file, ignored: true });
    }
    const dotenv = (await committedFiles(WORKSPACE)).filter((f) => /(^|\/)\.env(\.|$)/.test(f) && !f.endsWith('.env.example'));
    expect(dotenv).toEqual([]);
  });
});

describe('the scanner', () => {
  const repo = mkdtempSync(join(tmpdir(), 'workspace-tests-secrets-'));
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  // Known fake values, assembled at run time so that this file itself holds none of them.
  const fake = {
    groqKey: ['gsk', 'Fake0Key1Not2Real3Abcd4'].join('_'),
    dbPassword: ['Fake', 'Db', 'Pass', '4242'].join('-'),
    authSecret: ['fake', 'auth', 'secret', '0815'].join('_'),
    testPassword: ['Fake', 'Test', 'Pass', '1234'].join('-'),
  };
  const url = (user: string, password: string) => `postgresql://${user}:${password}@db:5432/todos`;

  const files: Record<string, string> = {
    // A test source may define a fake secret ...
    'apps/api/tests/test_db.py': `PASSWORD = "${fake.testPassword}"\nURL = f"${url('u', '{PASSWORD}')}"\n`,
    // ... but no other file may carry it.
    'apps/api/README.md': `# api\nConnect with password ${fake.testPassword}.\nFormat: ${url('USER', 'PASSWORD')}\n`,
    'charts/app/values.yaml': `global:\n  secrets:\n    DATABASE_URL: ""\n    GROQ_API_KEY: "${fake.groqKey}"\n`,
    'charts/app/values-dev.yaml': `# DATABASE_URL: only in a comment\nsecrets:\n  BETTER_AUTH_SECRET: ~\n`,
    '.env.example': `DATABASE_URL=\nBETTER_AUTH_SECRET=${fake.authSecret}\n`,
    'docs/deploy.md': `Set DATABASE_URL, e.g.\n\n    ${url('todo', fake.dbPassword)}\n`,
    'scripts/x.py': `print("ok")\n`,
  };

  beforeAll(async () => {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(join(repo, dirname(file)), { recursive: true });
      writeFileSync(join(repo, file), text);
    }
    await runOk('git', ['init', '-q', repo]);
    await runOk('git', ['add', '.'], { cwd: repo });
    await runOk('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', 'commit', '-q', '-m', 'fixture'], { cwd: repo });
  });

  it('reports each secret with its file and line, and nothing else', async () => {
    const values = await collectTestValues(repo);
    expect(values).toEqual([{ value: fake.testPassword, file: 'apps/api/tests/test_db.py', line: 1 }]);
    const report = describeFindings(await scanRepository(repo, values));
    expect(report.split('\n').sort()).toEqual(
      [
        '.env.example:2: a value for BETTER_AUTH_SECRET',
        'apps/api/README.md:2: the test secret defined at apps/api/tests/test_db.py:1',
        'charts/app/values.yaml:4: a Groq API key (gsk_...)',
        'charts/app/values.yaml:4: a value for GROQ_API_KEY',
        'docs/deploy.md:3: a PostgreSQL URL with a password',
      ].sort(),
    );
    // The report names where, never what.
    for (const secret of Object.values(fake)) expect(report).not.toContain(secret);
  });

  it('passes the same repository once the secrets are gone', async () => {
    writeFileSync(join(repo, 'apps/api/README.md'), `# api\nFormat: ${url('USER', 'PASSWORD')}\n`);
    writeFileSync(join(repo, 'charts/app/values.yaml'), 'global:\n  secrets:\n    GROQ_API_KEY: ""\n');
    writeFileSync(join(repo, '.env.example'), 'DATABASE_URL=\nBETTER_AUTH_SECRET=\n');
    writeFileSync(join(repo, 'docs/deploy.md'), `Set DATABASE_URL, e.g. ${url('todo', '<password>')}\n`);
    expect(describeFindings(await scanRepository(repo, await collectTestValues(repo)))).toBe('');
  });
});
