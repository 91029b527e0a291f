// What the logs stage follows, decided from pods shaped as kubectl prints them, and its lines.
import { EventEmitter } from 'events';
import { PassThrough } from 'stream';
import type { Pod } from '../adapters/kubectl';
import { LogFollower } from './follow';
import { colorFor, formatLine, splitTimestamp, timeKey } from './line';
import { appOf, instances, toFollow } from './plan';

const APPS = [
  { project: 'backend', repository: 'todo-backend' },
  { project: 'frontend', repository: 'localhost:5000/todo-frontend' },
];

function pod(name: string, image: string, containerID: string | undefined, running = true): Pod {
  return {
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'app', image }] },
    status: {
      phase: 'Running',
      containerStatuses: [
        { name: 'app', restartCount: 0, ...(containerID ? { containerID } : {}), state: running ? { running: {} } : { terminated: { exitCode: 1 } } } as never,
      ],
    },
  };
}

describe('what is followed', () => {
  it('names each pod after the image project it runs, else its workload', () => {
    expect(appOf(pod('b-1', 'todo-backend:nx-1', 'c1'), APPS, 'todo-backend')).toBe('backend');
    expect(appOf(pod('f-1', 'localhost:5000/todo-frontend:nx-2@sha256:ab', 'c2'), APPS, 'todo-frontend')).toBe('frontend');
    expect(appOf(pod('r-1', 'redis:7.4', 'c3'), APPS, 'redis')).toBe('redis');
  });

  it('follows every started container once, a restarted one (new ID) again, and a dropped stream of a running one again', () => {
    const current = instances([
      { pod: pod('b-1', 'todo-backend:1', 'containerd://aaa'), app: 'backend' },
      { pod: pod('b-2', 'todo-backend:1', undefined), app: 'backend' },
      { pod: pod('f-1', 'todo-frontend:1', 'containerd://fff', false), app: 'frontend' },
    ]);
    expect(current.map((i) => i.id)).toEqual(['containerd://aaa', 'containerd://fff']);
    // Nothing followed yet: both (a terminated container's last lines are shown once).
    expect(toFollow(current, new Set(), new Set(), null).map((i) => i.id)).toEqual(['containerd://aaa', 'containerd://fff']);
    // Streaming aaa; fff's stream ended and it is not running: nothing new.
    expect(toFollow(current, new Set(['containerd://aaa']), new Set(['containerd://fff']), null)).toEqual([]);
    // aaa's stream dropped while it runs: followed again (resumed after its last line).
    expect(toFollow(current, new Set(), new Set(['containerd://aaa', 'containerd://fff']), null).map((i) => i.id)).toEqual(['containerd://aaa']);
    // Only the chosen apps.
    expect(toFollow(current, new Set(), new Set(), ['frontend']).map((i) => i.app)).toEqual(['frontend']);
  });
});

describe('lines', () => {
  it("read kubectl's timestamp off, and keep lines without one", () => {
    expect(splitTimestamp('2026-12-02T18:00:00.123456789Z INFO: GET /api/todos 200')).toEqual({
      at: '2026-12-02T18:00:00.123456789Z',
      text: 'INFO: GET /api/todos 200',
    });
    expect(splitTimestamp('2026-12-02T18:00:00Z ')).toEqual({ at: '2026-12-02T18:00:00Z', text: '' });
    expect(splitTimestamp('no timestamp')).toEqual({ at: null, text: 'no timestamp' });
  });

  it('compare by time, though kubectl drops trailing zeros of the nanoseconds', () => {
    expect('2026-12-02T18:00:01.5Z' > '2026-12-02T18:00:01.56Z').toBe(true);
    expect(timeKey('2026-12-02T18:00:01.5Z') < timeKey('2026-12-02T18:00:01.56Z')).toBe(true);
    expect(timeKey('2026-12-02T18:00:01Z') < timeKey('2026-12-02T18:00:01.000000001Z')).toBe(true);
    expect(timeKey('2026-12-02T18:00:01.123Z')).toBe(timeKey('2026-12-02T18:00:01.123000000Z'));
  });

  it('are prefixed with app, pod and container, one colour per app', () => {
    const palette: string[] = [];
    const backend = colorFor('backend', palette);
    const frontend = colorFor('frontend', palette);
    expect(formatLine('backend', 'b-1', 'app', 'hello', backend)).toBe('\x1b[36m[backend b-1/app]\x1b[0m hello');
    expect(frontend('x')).toBe('\x1b[35mx\x1b[0m');
    expect(colorFor('backend', palette)('x')).toBe(backend('x'));
  });
});

describe('the follower', () => {
  // Stand-ins at the process boundary only: kubectl's pod listing and the spawned `kubectl logs`.

  function fakeChild() {
    const child = Object.assign(new EventEmitter(), {
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      exitCode: null as number | null,
      signalCode: null,
      kill: () => true,
    });
    return child;
  }

  let id = 'containerd://one';
  function follower(tail: number) {
    const listed = () => ({
      items: [
        { kind: 'Deployment', metadata: { name: 'todo-backend', namespace: 'default' } },
        {
          kind: 'ReplicaSet',
          metadata: { name: 'todo-backend-5d4f', namespace: 'default', ownerReferences: [{ kind: 'Deployment', name: 'todo-backend' }] },
        },
        {
          kind: 'Pod',
          metadata: { name: 'todo-backend-5d4f-x1', namespace: 'default', ownerReferences: [{ kind: 'ReplicaSet', name: 'todo-backend-5d4f' }] },
          spec: { containers: [{ name: 'api', image: 'todo-backend:1' }] },
          status: { containerStatuses: [{ name: 'api', containerID: id, restartCount: 0, state: { running: {} } }] },
        },
      ],
    });
    const kubectl = { list: async () => listed().items, argv: (a: string[]) => a } as never;
    const spawned: Array<{ argv: readonly string[]; child: ReturnType<typeof fakeChild> }> = [];
    const spawn = (argv: readonly string[]) => {
      const child = fakeChild();
      spawned.push({ argv, child });
      return child as never;
    };
    const printed: string[] = [];
    const f = new LogFollower(
      kubectl,
      { workloads: [{ kind: 'Deployment', name: 'todo-backend', namespace: 'default' }], apps: APPS, only: null, since: null, tail, pollMs: 20 },
      // eslint-disable-next-line no-control-regex -- ESC starts the colour codes the prefix carries
      (l) => printed.push(l.replace(/\x1b\[[0-9;]*m/g, '')),
      () => undefined,
      spawn,
    );
    return { f, spawned, printed };
  }
  const settle = () => new Promise((r) => setTimeout(r, 80));

  it('starts with tail, resumes a dropped stream after its last line without repeating it, and follows a restarted container from its first', async () => {
    id = 'containerd://one';
    const { f, spawned, printed } = follower(2);
    await f.start();
    expect(spawned.map((s) => s.argv.slice(1))).toEqual([['logs', '-f', '--timestamps', 'todo-backend-5d4f-x1', '-n', 'default', '-c', 'api', '--tail=2']]);
    spawned[0].child.stdout.write('2026-12-02T18:00:01.000000000Z first\n2026-12-02T18:00:02.000000000Z second\n');
    await settle();
    // The stream drops while the container runs.
    spawned[0].child.emit('exit', 1, null);
    await settle();
    expect(spawned[1].argv.slice(1)).toEqual([
      'logs',
      '-f',
      '--timestamps',
      'todo-backend-5d4f-x1',
      '-n',
      'default',
      '-c',
      'api',
      '--since-time=2026-12-02T18:00:02.000000000Z',
    ]);
    spawned[1].child.stdout.write('2026-12-02T18:00:02.000000000Z second\n2026-12-02T18:00:03.000000000Z third\n');
    await settle();
    // The container restarts: a new instance, followed from its first line.
    id = 'containerd://two';
    spawned[1].child.emit('exit', 0, null);
    await settle();
    expect(spawned[2].argv.slice(1)).toEqual(['logs', '-f', '--timestamps', 'todo-backend-5d4f-x1', '-n', 'default', '-c', 'api']);
    spawned[2].child.stdout.write('2026-12-02T18:00:09.000000000Z started again\n');
    await settle();
    f.stop();
    expect(printed).toEqual([
      '[backend todo-backend-5d4f-x1/api] first',
      '[backend todo-backend-5d4f-x1/api] second',
      '[backend todo-backend-5d4f-x1/api] third',
      '[backend todo-backend-5d4f-x1/api] started again',
    ]);
  });

  it('with tail 0, shows every line from the start of the task, however late kubectl attaches', async () => {
    // --tail=0 would drop what the container logs before kubectl attaches (seen in CI: a request
    // made right after "following the logs" never showed).
    id = 'containerd://one';
    const start = Date.now();
    const { f, spawned, printed } = follower(0);
    await f.start();
    const since = spawned[0].argv.find((a) => a.startsWith('--since-time='))!.slice('--since-time='.length);
    expect(Date.parse(since)).toBeGreaterThanOrEqual(start - 1);
    expect(spawned[0].argv).not.toContain('--tail=0');
    const at = (ms: number) => new Date(Date.parse(since) + ms).toISOString().replace('Z', '000000Z');
    spawned[0].child.stdout.write(`${at(-400)} before the task\n${at(0)} the same instant\n${at(300)} after the start\n`);
    await settle();
    expect(printed).toEqual(['[backend todo-backend-5d4f-x1/api] after the start']);
    // Dropped before its next line: resumed after the last line shown.
    spawned[0].child.emit('exit', 1, null);
    await settle();
    expect(spawned[1].argv).toContain(`--since-time=${at(300)}`);
    f.stop();
  });
});
