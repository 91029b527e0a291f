// The containerd adapter over `ctr images list` as captured from containerd 1.6.20 (the
// local cluster's node), and the listing that callers in one process share, asked of a real
// stand-in `ctr` script so that the number of calls is the number of processes started.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { createServer } from 'net';
import { Containerd, imagesByManifest, LISTING_REUSE_MS, parseImageList, SOCKET_WATCH } from './containerd';
import { pipe, Piper, run, Runner } from './run';

const listing = readFileSync(join(__dirname, '__fixtures__', 'ctr-images-list.stdout'), 'utf8');
const FRONTEND_ID = 'sha256:1af32e273b2bb4fe0c3b33b8ad925c937499d62eb2df4d19260cae124cebabc4';
const BACKEND_ID = 'sha256:e96bf8f3fd11e1b18a5d882c4b9353893d5b78da81e58b81858cda2e2c38195f';

describe('ctr images list', () => {
  it('reads ref and manifest digest of every line (SIZE holds a space)', () => {
    const refs = parseImageList(listing);
    expect(refs).toHaveLength(8);
    expect(refs[0]).toEqual({
      ref: 'docker.io/library/todo-backend:nx-7aad7df12ab81feb',
      digest: 'sha256:6c1ecbdd0c4a91231e6227367e75fac56875d7ec474cba581cc4a536ff99281b',
    });
    expect(parseImageList('REF TYPE DIGEST SIZE PLATFORMS LABELS\n')).toEqual([]);
  });
  it('groups names by manifest, with the CRI sha256:<id> ref as the image ID', () => {
    const images = imagesByManifest(parseImageList(listing));
    expect(images).toHaveLength(4);
    expect(images.find((i) => i.names.includes('docker.io/library/todo-frontend:nx-f73692a89d30b0bb'))!.id).toBe(FRONTEND_ID);
    expect(images.find((i) => i.names.includes('docker.io/library/todo-backend:nx-7aad7df12ab81feb'))!.id).toBe(BACKEND_ID);
  });
  it('refuses output without the header it knows', () => {
    expect(() => parseImageList('docker.io/library/a:1\n')).toThrow(/ctr images list printed no REF TYPE DIGEST header/);
  });
});

describe('shared listing', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'nx-k8s-ctr-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** A stand-in ctr: logs its arguments, takes 300 ms like a node under load, prints the captured listing. */
  function fakeCtr(name: string): { runner: Runner; calls: () => string[] } {
    const log = join(tmp, `${name}.log`);
    const script = join(tmp, `${name}.sh`);
    writeFileSync(log, '');
    writeFileSync(join(tmp, 'listing'), listing);
    writeFileSync(script, `#!/bin/sh\necho "$*" >> '${log}'\nsleep 0.3\ncase "$*" in *"images list"*) cat '${join(tmp, 'listing')}' ;; esac\n`);
    chmodSync(script, 0o755);
    return { runner: (_program, args, options) => run(script, args, options), calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
  }
  const lists = (calls: string[]) => calls.filter((c) => c.includes('images list')).length;

  it('asks the node once for concurrent callers and for callers within a short while', async () => {
    const ctr = fakeCtr('concurrent');
    const all = await Promise.all([1, 2, 3].map(() => new Containerd(ctr.runner, '/run/a.sock').images()));
    expect(all[1]).toBe(all[0]);
    await new Containerd(ctr.runner, '/run/a.sock').images();
    expect(lists(ctr.calls())).toBe(1);
    // Another node is another listing.
    await new Containerd(ctr.runner, '/run/b.sock').images();
    expect(lists(ctr.calls())).toBe(2);
  });

  it('asks again once the listing is older than the reuse window', async () => {
    const ctr = fakeCtr('expiry');
    await new Containerd(ctr.runner, '/run/a.sock').images();
    await new Promise((r) => setTimeout(r, LISTING_REUSE_MS + 100));
    await new Containerd(ctr.runner, '/run/a.sock').images();
    expect(lists(ctr.calls())).toBe(2);
  }, 10_000);

  it('asks again after it changed the node (tag)', async () => {
    const ctr = fakeCtr('tag');
    const node = new Containerd(ctr.runner, '/run/a.sock');
    await node.images();
    await node.tag(FRONTEND_ID, 'docker.io/library/todo-frontend:nx-2');
    await node.images();
    expect(lists(ctr.calls())).toBe(2);
    expect(ctr.calls()).toContain(
      '--address /run/a.sock --namespace k8s.io images tag --force sha256:1af32e273b2bb4fe0c3b33b8ad925c937499d62eb2df4d19260cae124cebabc4 docker.io/library/todo-frontend:nx-2',
    );
  });

  it('does not keep a failed listing', async () => {
    let calls = 0;
    const failing: Runner = async () => (calls++, { exitCode: 1, stdout: '', stderr: 'ctr: connection refused' });
    await expect(new Containerd(failing, '/run/a.sock').images()).rejects.toThrow(/connection refused/);
    await expect(new Containerd(failing, '/run/a.sock').images()).rejects.toThrow(/connection refused/);
    expect(calls).toBe(2);
  });
});

describe('import watched through the socket', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'nx-k8s-ctr-watch-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('stops an import whose containerd went away (ctr would wait for it for ever) and says so in one line', async () => {
    // A real socket that answers, then goes away as a killed containerd's does.
    const address = join(tmp, 'containerd.sock');
    const server = createServer((c) => c.destroy());
    await new Promise<void>((r) => server.listen(address, r));
    // Real processes, as the import runs them: a producer that has sent nothing yet and a
    // consumer that never exits (what ctr does once its containerd is gone).
    const waiting = [process.execPath, '-e', 'setTimeout(() => undefined, 60_000)'];
    const piped: Array<readonly string[]> = [];
    const transfer: Piper = (_from, to, options) => (piped.push(to), pipe(waiting, waiting, options));
    const node = new Containerd(run, address, transfer);
    setTimeout(() => server.close(), 1_500);
    const started = Date.now();
    await expect(node.importFromDocker(['docker', 'save', 'todo-x:1'])).rejects.toThrow(
      new RegExp(
        `stopped \\(0\\.000 MB passed through\\): containerd at ${address} stopped answering during the import \\((ECONNREFUSED|ENOENT) for 3 s\\)\\. Fix: start containerd`,
      ),
    );
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(1_500 + SOCKET_WATCH.everyMs * (SOCKET_WATCH.refusals - 1));
    expect(waited).toBeLessThan(12_000);
    expect(piped).toEqual([['ctr', '--address', address, '--namespace', 'k8s.io', 'images', 'import', '-']]);
  }, 20_000);
});
