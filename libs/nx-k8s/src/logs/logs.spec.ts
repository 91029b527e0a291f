// What the logs stage follows, decided from pods shaped as kubectl prints them, and its lines.
import type { Pod } from '../adapters/kubectl';
import { colorFor, formatLine, splitTimestamp } from './line';
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

  it('are prefixed with app, pod and container, one colour per app', () => {
    const palette: string[] = [];
    const backend = colorFor('backend', palette);
    const frontend = colorFor('frontend', palette);
    expect(formatLine('backend', 'b-1', 'app', 'hello', backend)).toBe('\x1b[36m[backend b-1/app]\x1b[0m hello');
    expect(frontend('x')).toBe('\x1b[35mx\x1b[0m');
    expect(colorFor('backend', palette)('x')).toBe(backend('x'));
  });
});
