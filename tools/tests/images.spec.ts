// The images the plugin builds, run as the chart runs them (read-only root, no capabilities,
// uid 10001, writable /tmp, the backend's SQLite on /data) on a throwaway Docker network:
// each answers its health endpoint, and a todo created through the backend's API shows on
// the frontend, which reaches the backend by container name through BACKEND_URL.
import { randomBytes } from 'crypto';
import { readFileSync } from 'fs';
import { join } from 'path';
import { docker, imageId, imageUser, publishedAddress, removeQuietly, withLogs } from './support/docker';
import { get, postJson, waitFor200 } from './support/http';
import { lastLines, nx, Result, run, WORKSPACE } from './support/workspace';

type App = 'frontend' | 'backend';
const APPS: App[] = ['frontend', 'backend'];
const PORT: Record<App, number> = { frontend: 3000, backend: 8000 };
const HEALTH: Record<App, string> = { frontend: '/api/health', backend: '/health' };

/** The Docker Image record docker-build writes (the data model's Docker Image). */
interface ImageRecord {
  repository: string;
  tag: string;
  ref: string;
  id: string;
  dockerfile: string;
  builder: 'buildkit' | 'legacy';
}

const readRecord = (app: App): ImageRecord => JSON.parse(readFileSync(join(WORKSPACE, 'dist/nx-k8s', app, 'image.json'), 'utf8'));

/** The docker-build tasks a run-many reported as failed (all of them when it says nothing usable). */
function failedBuilds(r: Result): App[] {
  if (r.exitCode === 0) return [];
  const out = r.stdout + r.stderr;
  const section = out.slice(out.lastIndexOf('Failed tasks'));
  const failed = APPS.filter((app) => new RegExp(`^\\s*- ${app}:docker-build\\s*$`, 'm').test(section));
  return failed.length ? failed : APPS;
}

/** The legacy builder's first "Step n/m : ..." that ran instead of using the cache (BuildKit: its first step not CACHED). */
function firstUncachedStep(output: string): string | null {
  const lines = output.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const step = /^Step \d+\/\d+ : (?!FROM|ARG)/.test(lines[i]);
    if (step && lines[i + 1]?.startsWith(' ---> ') && !lines[i + 1].includes('Using cache')) return lines[i];
  }
  return lines.find((l) => /^#\d+ \[.*\] (COPY|RUN|ADD)/.test(l) && !lines.some((m) => m.startsWith(l.split(' ')[0] + ' CACHED'))) ?? null;
}

const buildAll = (extra: string[] = []) =>
  nx(['run-many', '-t', 'docker-build', '-p', 'frontend', 'backend', '--parallel=1', '--outputStyle=stream', ...extra], { timeout: 40 * 60_000 });

let build: Result;
const records = {} as Record<App, ImageRecord>;

beforeAll(async () => {
  // Images already built with the same inputs come back from the Nx cache in seconds.
  build = await buildAll();
  for (const app of APPS) if (!failedBuilds(build).includes(app)) records[app] = readRecord(app);
}, 45 * 60_000);

/** The app's record; fails the calling test with the build's output when its build failed. */
function recordOf(app: App): ImageRecord {
  if (!records[app]) throw new Error(`nx run ${app}:docker-build failed (exit ${build.exitCode}):\n${lastLines(build.stdout + build.stderr, 40)}`);
  return records[app];
}

describe('docker-build (nx run-many -t docker-build -p frontend backend)', () => {
  it('builds both images', () => {
    expect({ exitCode: build.exitCode, failed: failedBuilds(build) }).toEqual({ exitCode: 0, failed: [] });
  });

  it.each(APPS)('%s: the image record names an image Docker has, by a content-addressed tag', async (app) => {
    const record = recordOf(app);
    expect(record.repository).toBe(`todo-${app}`);
    expect(record.tag).toMatch(/^nx-[0-9a-f]{16}$/);
    expect(record.ref).toBe(`${record.repository}:${record.tag}`);
    expect(await imageId(record.ref)).toBe(record.id);
    console.log(`${app}: ${record.ref} ${record.id}`);
  });

  it.each(APPS)('%s: the image runs as uid 10001', async (app) => {
    expect(await imageUser(recordOf(app).ref)).toMatch(/^10001(:10001)?$/);
  });
});

describe('both containers on a throwaway Docker network', () => {
  const suffix = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const network = `workspace-tests-${suffix}`;
  const name: Record<App, string> = { frontend: `workspace-tests-frontend-${suffix}`, backend: `workspace-tests-backend-${suffix}` };
  const base = {} as Record<App, string>;
  const both = [name.backend, name.frontend];

  /** docker run as the chart's securityContext runs the pod. */
  const start = async (app: App, args: string[]) => {
    await docker([
      'run',
      '--detach',
      '--name',
      name[app],
      '--network',
      network,
      '--label',
      'workspace-tests=images',
      '--publish',
      `127.0.0.1::${PORT[app]}`,
      '--read-only',
      '--tmpfs',
      '/tmp:rw,mode=1777',
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges',
      ...args,
      recordOf(app).ref,
    ]);
    base[app] = `http://${await publishedAddress(name[app], PORT[app])}`;
  };

  beforeAll(async () => {
    await docker(['network', 'create', '--label', 'workspace-tests=images', network]);
    // SQLite on an anonymous volume at /data (the chart's emptyDir), which the image owns for 10001.
    await start('backend', ['--volume', '/data', '--env', 'ENVIRONMENT=development']);
    await start('frontend', ['--env', `BACKEND_URL=http://${name.backend}:8000`]);
  }, 120_000);

  afterAll(async () => {
    for (const container of both) await removeQuietly('container', container);
    await removeQuietly('network', network);
  }, 120_000);

  it.each(APPS)(
    '%s answers its health endpoint',
    async (app) => {
      await withLogs([name[app]], async () => {
        const r = await waitFor200(`${base[app]}${HEALTH[app]}`, 90);
        console.log(`${app} GET ${HEALTH[app]}: ${r.status} ${r.body}`);
        expect(JSON.parse(r.body)).toMatchObject(app === 'backend' ? { status: 'ok', database: 'ok' } : { status: 'ok' });
      });
    },
    120_000,
  );

  it.each(APPS)('%s: the process runs as uid 10001', async (app) => {
    const id = await docker(['exec', name[app], 'id', '-u']);
    expect(id.stdout.trim()).toBe('10001');
  });

  it('a todo created through the backend API shows on the frontend', async () => {
    const title = `workspace test todo ${randomBytes(4).toString('hex')}`;
    await withLogs(both, async () => {
      await waitFor200(`${base.backend}/health`, 90);
      await waitFor200(`${base.frontend}/api/health`, 90);

      const created = await postJson(`${base.backend}/api/todos`, { title });
      expect(created.status).toBe(201);
      const todo = JSON.parse(created.body);
      expect(todo).toMatchObject({ title, completed: false });
      console.log(`backend POST /api/todos: ${created.status} ${created.body}`);

      // The page is rendered per request from BACKEND_URL, read at run time.
      const page = await get(`${base.frontend}/`);
      expect(page.status).toBe(200);
      expect(page.body).toContain(title);
      console.log(`frontend GET /: ${page.status}, ${page.body.length} bytes of HTML containing "${title}"`);

      const listed = await get(`${base.frontend}/api/todos`);
      expect(listed.status).toBe(200);
      expect(JSON.parse(listed.body)).toEqual(expect.arrayContaining([expect.objectContaining({ id: todo.id, title })]));
      console.log(`frontend GET /api/todos: ${listed.status} ${listed.body}`);
    });
  }, 180_000);
});

describe('rebuilding with no change', () => {
  // Docker-level determinism of the build context: the same docker build twice gives one image.
  // (Its ID can differ from the record's when another docker CLI built the record: this machine
  // has two, and the legacy builder's cache keys differ between them; that is logged, not failed.)
  it.each(APPS)(
    "%s: docker build twice with the record's arguments gives the same image ID",
    async (app) => {
      const record = recordOf(app);
      const options = JSON.parse(readFileSync(join(WORKSPACE, 'apps', app, 'project.json'), 'utf8')).targets['docker-build'].options;
      const tag = `workspace-tests-rebuild-${app}:${process.pid}`;
      const args = ['build', '-f', record.dockerfile, '-t', tag];
      if (record.builder === 'buildkit') args.push('--progress=plain');
      for (const [k, v] of Object.entries(options.buildArgs ?? {}).sort(([a], [b]) => a.localeCompare(b))) args.push('--build-arg', `${k}=${v}`);
      args.push(options.context ?? '.');
      const env = { ...process.env, DOCKER_BUILDKIT: record.builder === 'buildkit' ? '1' : '0' };
      const build = async () => {
        const r = await run('docker', args, { env, timeout: 30 * 60_000 });
        expect({ exitCode: r.exitCode, stderr: r.exitCode === 0 ? '' : lastLines(r.stderr, 20) }).toEqual({ exitCode: 0, stderr: '' });
        return { id: await imageId(tag), output: r.stdout };
      };
      try {
        const first = await build();
        const second = await build();
        const client = (await run('docker', ['version', '--format', '{{.Client.Version}}'])).stdout.trim();
        console.log(
          `${app} (docker CLI ${client}, ${record.builder} builder): first ${first.id}, second ${second.id}; record ${record.id}` +
            (first.id === record.id ? ' (same)' : ` (differs from the first uncached step: ${firstUncachedStep(first.output)})`),
        );
        // On a difference, name the first step the second build did not take from the cache: what changed.
        expect({ id: second.id, firstUncachedStep: second.id === first.id ? null : firstUncachedStep(second.output) }).toEqual({
          id: first.id,
          firstUncachedStep: null,
        });
      } finally {
        await run('docker', ['rmi', tag]);
      }
    },
    61 * 60_000,
  );

  // The plugin-level guarantee: with no change, the task hash gives the same tag, and the image
  // under it is reused, not rebuilt.
  it(
    'nx docker-build --skip-nx-cache keeps both tags and image IDs',
    async () => {
      const before = Object.fromEntries(APPS.map((app) => [app, recordOf(app)]));
      const again = await buildAll(['--skip-nx-cache']);
      expect({ exitCode: again.exitCode, failed: failedBuilds(again) }).toEqual({ exitCode: 0, failed: [] });
      for (const app of APPS) {
        const after = readRecord(app);
        console.log(`${app}: before ${before[app].ref} ${before[app].id}, after ${after.ref} ${after.id}`);
        expect({ app, ref: after.ref, id: after.id }).toEqual({ app, ref: before[app].ref, id: before[app].id });
      }
    },
    40 * 60_000,
  );
});
