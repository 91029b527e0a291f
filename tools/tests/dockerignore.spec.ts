// The root .dockerignore is what Docker's legacy builder (Docker 20.10 here) reads; it ignores
// docker/<app>.Dockerfile.dockerignore. It must be exactly the union of those files, so that
// no image's build context silently loses or gains files.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { run, WORKSPACE } from './support/workspace';

const GENERATOR = 'tools/setup/dockerignore.sh';

/** The per-Dockerfile ignore files of a workspace, sorted, relative to its root. */
function ignoreFiles(root: string): string[] {
  return readdirSync(join(root, 'docker'))
    .filter((f) => f.endsWith('.Dockerfile.dockerignore'))
    .sort()
    .map((f) => `docker/${f}`);
}

/** The comment lines the root file starts with. */
function header(text: string): string[] {
  const lines = text.split('\n');
  const end = lines.findIndex((l) => !l.startsWith('#'));
  return lines.slice(0, end === -1 ? lines.length : end);
}

/** header, `*`, then per ignore file a `# from <file>` line and its patterns except `*`. */
function union(root: string, headerLines: string[]): string {
  const out = [...headerLines, '*'];
  for (const file of ignoreFiles(root)) {
    out.push(`# from ${file}`);
    for (const line of readFileSync(join(root, file), 'utf8').split('\n')) {
      if (line === '' || line.startsWith('#') || line === '*') continue;
      out.push(line);
    }
  }
  return out.join('\n') + '\n';
}

describe('root .dockerignore', () => {
  const current = readFileSync(join(WORKSPACE, '.dockerignore'), 'utf8');

  it('is the union of docker/*.Dockerfile.dockerignore (run bash tools/setup/dockerignore.sh when this fails)', () => {
    expect(ignoreFiles(WORKSPACE).length).toBeGreaterThan(0);
    expect(current).toBe(union(WORKSPACE, header(current)));
  });

  it('says what it is and how it is regenerated', () => {
    const text = header(current).join('\n');
    expect(text).toContain('legacy builder');
    expect(text).toContain(GENERATOR);
  });

  it('every per-Dockerfile ignore file is an allowlist starting with *', () => {
    for (const file of ignoreFiles(WORKSPACE)) {
      const patterns = readFileSync(join(WORKSPACE, file), 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#'));
      expect({ file, first: patterns[0] }).toEqual({ file, first: '*' });
    }
  });

  it(`${GENERATOR} --check agrees`, async () => {
    const r = await run('bash', [GENERATOR, '--check']);
    expect({ exitCode: r.exitCode, stderr: r.stderr.trim() }).toEqual({ exitCode: 0, stderr: '.dockerignore: up to date' });
  });

  describe(`${GENERATOR} in a scratch workspace`, () => {
    const root = mkdtempSync(join(tmpdir(), 'workspace-tests-dockerignore-'));
    beforeAll(() => {
      mkdirSync(join(root, 'tools/setup'), { recursive: true });
      mkdirSync(join(root, 'docker'));
      for (const f of ['dockerignore.sh', 'lib.sh']) copyFileSync(join(WORKSPACE, 'tools/setup', f), join(root, 'tools/setup', f));
      for (const f of ignoreFiles(WORKSPACE)) copyFileSync(join(WORKSPACE, f), join(root, f));
      // A third app whose name sorts first, with a comment, a blank line and no trailing newline.
      writeFileSync(join(root, 'docker/aaa.Dockerfile.dockerignore'), '# allowlist\n*\n\n!apps/aaa\napps/aaa/tests');
    });
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    const generator = (args: string[] = []) => run('bash', [join(root, GENERATOR), ...args], { cwd: tmpdir() });

    it('--check fails with one line while the file is missing', async () => {
      const r = await generator(['--check']);
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/not the union.*Fix: run bash tools\/setup\/dockerignore\.sh/)]);
    });

    it('writes the union, with the same header as the workspace file', async () => {
      expect((await generator()).exitCode).toBe(0);
      const written = readFileSync(join(root, '.dockerignore'), 'utf8');
      expect(written).toBe(union(root, header(current)));
      expect(written).toContain('# from docker/aaa.Dockerfile.dockerignore\n!apps/aaa\napps/aaa/tests\n# from docker/backend');
    });

    it('is idempotent', async () => {
      const before = readFileSync(join(root, '.dockerignore'), 'utf8');
      const r = await generator();
      expect(r.stderr.trim()).toBe('.dockerignore: up to date');
      expect(readFileSync(join(root, '.dockerignore'), 'utf8')).toBe(before);
      expect((await generator(['--check'])).exitCode).toBe(0);
    });
  });
});
