import { spawn } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { hostname, tmpdir } from 'os';
import { join } from 'path';
import { lockDir, ReleaseLockTimeoutError, withReleaseLock } from './lock';

const key = { server: 'https://127.0.0.1:6443', namespace: 'default', release: 'todo-app' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('release lock', () => {
  const env = () => ({ NX_K8S_STATE_DIR: mkdtempSync(join(tmpdir(), 'nx-k8s-state-')) });

  it('runs two deploys of one release one after the other, and the second says why it waited', async () => {
    const e = env();
    const order: string[] = [];
    const lines: string[] = [];
    const deploy = (name: string, log: (l: string) => void) =>
      withReleaseLock(key, e, { waitSeconds: 10, what: name, log }, async () => {
        order.push(`${name} start`);
        await sleep(600);
        order.push(`${name} end`);
      });
    await Promise.all([deploy('first', () => undefined), sleep(50).then(() => deploy('second', (l) => lines.push(l)))]);
    expect(order).toEqual(['first start', 'first end', 'second start', 'second end']);
    expect(lines[0]).toMatch(/^waiting: another deploy of release todo-app in namespace default is running \(first, pid \d+, since /);
    expect(lines[lines.length - 1]).toMatch(/^waited \d+\.\d s for the other deploy of release todo-app/);
    expect(existsSync(lockDir(key, e))).toBe(false);
  });

  it('takes over a lock whose owner was killed', async () => {
    const e = env();
    const child = spawn('sleep', ['30']);
    const dir = lockDir(key, e);
    mkdirSync(dir);
    writeFileSync(join(dir, 'owner.json'), JSON.stringify({ pid: child.pid, host: hostname(), since: 'then', what: 'killed deploy' }));
    const lines: string[] = [];
    const run = withReleaseLock(key, e, { waitSeconds: 20, what: 'next', log: (l) => lines.push(l) }, async () => 'ran');
    await sleep(300);
    child.kill('SIGKILL');
    await expect(run).resolves.toBe('ran');
    expect(lines.some((l) => l.includes(`the deploy that held its lock (pid ${child.pid}) is gone; taking the lock over`))).toBe(true);
  });

  it('gives up with one line when the other deploy never ends', async () => {
    const e = env();
    const child = spawn('sleep', ['30']);
    const dir = lockDir(key, e);
    mkdirSync(dir);
    writeFileSync(join(dir, 'owner.json'), JSON.stringify({ pid: child.pid, host: hostname(), since: 'then', what: 'a long deploy' }));
    try {
      await expect(withReleaseLock(key, e, { waitSeconds: 1, what: 'next', log: () => undefined }, async () => 'ran')).rejects.toThrow(ReleaseLockTimeoutError);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('is released when the deploy fails', async () => {
    const e = env();
    await expect(withReleaseLock(key, e, { waitSeconds: 1, what: 'x', log: () => undefined }, async () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    expect(existsSync(lockDir(key, e))).toBe(false);
  });
});
