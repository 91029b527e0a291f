// Each image's tag is derived from its docker-build task's Nx hash, so that hash must change
// exactly when something its Dockerfile (or the legacy builder) reads changes: a missing input
// reuses a stale image under a "content-addressed" tag, an extra one rebuilds for nothing
// (Nx hashes every npm package into a target that names no externalDependencies, so a jest
// bump would rebuild the Python image). Checked with Nx's own hasher in a throwaway copy of
// the workspace as it is now (committed or not), one edit at a time.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { taskHashes, TaskHash } from './support/nx-hash';
import { nx, runOk, WORKSPACE } from './support/workspace';

const TASKS = ['backend:docker-build', 'frontend:docker-build'] as const;
type App = 'backend' | 'frontend';

const tmp = mkdtempSync(join(tmpdir(), 'workspace-tests-image-inputs-'));
const ws = join(tmp, 'ws');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A clone of the workspace with its uncommitted changes, sharing node_modules. */
async function copyOfWorkspace(): Promise<void> {
  await runOk('git', ['clone', '--quiet', '--no-hardlinks', WORKSPACE, ws], { cwd: tmp });
  const changed = (await runOk('git', ['diff', '--name-only', 'HEAD'])).stdout.split('\n').filter(Boolean);
  const untracked = (await runOk('git', ['ls-files', '--others', '--exclude-standard'])).stdout.split('\n').filter(Boolean);
  for (const file of [...changed, ...untracked]) {
    const from = join(WORKSPACE, file);
    const to = join(ws, file);
    // A linked node_modules (worktrees, e2e clones) shows up as an untracked file: linked below.
    if (file === 'node_modules') continue;
    if (!existsSync(from)) {
      rmSync(to, { force: true });
    } else if (statSync(from).isFile()) {
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(from, to);
    }
  }
  symlinkSync(join(WORKSPACE, 'node_modules'), join(ws, 'node_modules'));
}

async function hashes(): Promise<Record<App, TaskHash>> {
  const h = await taskHashes(ws, [...TASKS]);
  return { backend: h['backend:docker-build'], frontend: h['frontend:docker-build'] };
}

/** Hashes with `file` edited by `edit`, then the file restored. */
async function hashesWith(file: string, edit: (text: string) => string): Promise<Record<App, TaskHash>> {
  const path = join(ws, file);
  const original = readFileSync(path, 'utf8');
  const { atime, mtime } = statSync(path);
  const edited = edit(original);
  if (edited === original) throw new Error(`the edit of ${file} changed nothing`);
  // Nx reuses a file's hash while its mtime is unchanged, and an edit and its undo can fall in
  // the same mtime tick: the edit gets its own mtime, the undo the original one back.
  writeFileSync(path, edited);
  utimesSync(path, atime, new Date(mtime.getTime() + 60_000));
  try {
    return await hashes();
  } finally {
    writeFileSync(path, original);
    utimesSync(path, atime, mtime);
  }
}

const appendLine = (line: string) => (text: string) => `${text.trimEnd()}\n${line}\n`;

/** A jest release as `npm install` would record it: new version, new integrity. */
function bumpJest(lock: string): string {
  const j = JSON.parse(lock);
  const entry = j.packages['node_modules/jest'];
  if (!entry) throw new Error('package-lock.json has no node_modules/jest entry');
  entry.version = `${entry.version}-next.0`;
  entry.integrity = `sha512-${Buffer.from('another jest').toString('base64')}`;
  entry.resolved = entry.resolved?.replace(/jest-[^/]+\.tgz$/, `jest-${entry.version}.tgz`);
  return JSON.stringify(j, null, 2) + '\n';
}

/** Every edit and which image it must rebuild. The Dockerfiles' COPY sources each have a row (checked below). */
const CASES: Array<{ what: string; file: string; edit: (t: string) => string; rebuilds: App[] }> = [
  { what: "jest's lock entry", file: 'package-lock.json', edit: bumpJest, rebuilds: ['frontend'] },
  { what: 'a backend source', file: 'apps/backend/todo_api/main.py', edit: appendLine('# edited'), rebuilds: ['backend'] },
  { what: "the backend's runtime lock", file: 'apps/backend/requirements.lock', edit: appendLine('# edited'), rebuilds: ['backend'] },
  { what: 'a backend test', file: 'apps/backend/tests/test_api.py', edit: appendLine('# edited'), rebuilds: [] },
  { what: "the backend's dev lock", file: 'apps/backend/requirements-dev.lock', edit: appendLine('# edited'), rebuilds: [] },
  { what: "the backend's pyproject.toml", file: 'apps/backend/pyproject.toml', edit: appendLine('# edited'), rebuilds: [] },
  { what: 'docker/backend.Dockerfile', file: 'docker/backend.Dockerfile', edit: appendLine('# edited'), rebuilds: ['backend'] },
  { what: 'docker/backend.Dockerfile.dockerignore', file: 'docker/backend.Dockerfile.dockerignore', edit: appendLine('# edited'), rebuilds: ['backend'] },
  { what: 'a frontend page', file: 'apps/frontend/app/page.tsx', edit: appendLine('// edited'), rebuilds: ['frontend'] },
  {
    what: "the frontend's package.json",
    file: 'apps/frontend/package.json',
    edit: (t) => t.replace(/"name"/, '"description": "edited",\n  "name"'),
    rebuilds: ['frontend'],
  },
  { what: 'a frontend test', file: 'apps/frontend/tests/load-todos.test.ts', edit: appendLine('// edited'), rebuilds: [] },
  { what: "the frontend's jest config", file: 'apps/frontend/jest.config.ts', edit: appendLine('// edited'), rebuilds: [] },
  { what: 'the root package.json', file: 'package.json', edit: (t) => t.replace(/"name"/, '"description": "edited",\n  "name"'), rebuilds: ['frontend'] },
  { what: 'docker/frontend.Dockerfile', file: 'docker/frontend.Dockerfile', edit: appendLine('# edited'), rebuilds: ['frontend'] },
  { what: 'docker/frontend.Dockerfile.dockerignore', file: 'docker/frontend.Dockerfile.dockerignore', edit: appendLine('# edited'), rebuilds: ['frontend'] },
  // The legacy builder reads only the root .dockerignore, for every image.
  { what: 'the root .dockerignore', file: '.dockerignore', edit: appendLine('# edited'), rebuilds: ['backend', 'frontend'] },
];

/** The sources of a Dockerfile's COPY lines that read the build context (not --from=<stage>). */
function copySources(dockerfile: string): string[] {
  return readFileSync(join(WORKSPACE, dockerfile), 'utf8')
    .split('\n')
    .filter((l) => /^COPY\s/.test(l) && !/--from=/.test(l))
    .flatMap((l) => l.trim().split(/\s+/).slice(1, -1));
}

describe('docker-build inputs are what each Dockerfile reads', () => {
  let before: Record<App, TaskHash>;
  beforeAll(async () => {
    await copyOfWorkspace();
    before = await hashes();
  }, 180_000);

  it('name no npm package: the Dockerfiles read the lock file itself, or no npm package at all', async () => {
    for (const app of ['backend', 'frontend'] as const) {
      const r = await nx(['show', 'project', app, '--json']);
      expect(r.exitCode).toBe(0);
      const inputs = JSON.parse(r.stdout).targets['docker-build'].inputs as unknown[];
      expect({ app, inputs }).toEqual({ app, inputs: expect.arrayContaining([{ externalDependencies: [] }]) });
      expect({ app, npm: before[app].nodes.filter((n) => n === 'AllExternalDependencies' || n.startsWith('npm:')) }).toEqual({ app, npm: [] });
    }
  }, 120_000);

  it('every file a Dockerfile COPYs from the build context has a case below', () => {
    for (const [app, dockerfile] of [
      ['backend', 'docker/backend.Dockerfile'],
      ['frontend', 'docker/frontend.Dockerfile'],
    ] as const) {
      for (const source of copySources(dockerfile)) {
        const covered = CASES.some((c) => c.rebuilds.includes(app) && (c.file === source || c.file.startsWith(`${source}/`)));
        expect({ dockerfile, source, covered }).toEqual({ dockerfile, source, covered: true });
      }
    }
  });

  it.each(CASES)(
    '$what ($file) rebuilds $rebuilds',
    async ({ file, edit, rebuilds }) => {
      const after = await hashesWith(file, edit);
      const changed = (['backend', 'frontend'] as const).filter((app) => after[app].hash !== before[app].hash);
      expect(changed).toEqual(rebuilds);
    },
    120_000,
  );
});
