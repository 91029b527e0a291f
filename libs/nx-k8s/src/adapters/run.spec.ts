// The process boundary with real small processes (node -e, head, sleep, sh): pipes,
// timeouts and the programs' own stderr, which mocks could not show.
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { commandLabel, NoAnswerError, pipe, pipeFailure, PipeOutcome, ProgramNotFoundError, run } from './run';

const tmp = mkdtempSync(join(tmpdir(), 'nx-k8s-run-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const node = (script: string) => [process.execPath, '-e', script];

/** A producer writing `mb` MB in 1 MB chunks, waiting for the pipe to drain as `docker save` does; its pid goes to `pidFile`. */
function producer(mb: number, pidFile = join(tmp, 'unused.pid')): string[] {
  return node(`
    require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));
    const chunk = Buffer.alloc(1 << 20, 97);
    let left = ${mb};
    const next = () => { while (left > 0) { left--; if (!process.stdout.write(chunk)) return process.stdout.once('drain', next); } };
    next();
  `);
}

function gone(pidFile: string): boolean {
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8')), 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

describe('pipe', () => {
  it('fails at once, naming the consumer, when the consumer exits before the producer is done', async () => {
    const pid = join(tmp, 'early.pid');
    const started = Date.now();
    await expect(pipe(producer(100, pid), ['head', '-c', '10'])).rejects.toThrow(
      /^head -c 10 exited with 0 before .* finished \(.* MB passed through\)\. Fix: /,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(gone(pid)).toBe(true);
  }, 15_000);

  it('succeeds when a consumer that succeeded left only the last bytes unread and the producer then ends by itself', async () => {
    // As ctr does at a tar's end-of-archive blocks while docker save has yet to close its output.
    const archive = node(`process.stdout.write(Buffer.alloc(4096, 97)); setTimeout(() => { process.stdout.write(Buffer.alloc(1024)); }, 300)`);
    const parser = node(`process.stdin.once('data', () => process.exit(0))`);
    const r = await pipe(archive, parser, { timeout: 10_000 });
    expect(r.bytes).toBeGreaterThan(0);
  }, 15_000);

  it('names the consumer and its stderr when it fails mid-stream, and stops the producer', async () => {
    const pid = join(tmp, 'full.pid');
    const diskFull = node(`process.stdin.once('data', () => { process.stderr.write('ctr: failed to ingest: no space left on device\\n'); process.exit(2); })`);
    const started = Date.now();
    await expect(pipe(producer(100, pid), diskFull, { fix: { to: 'free space on the node' } })).rejects.toThrow(
      /exited with 2 \(ctr: failed to ingest: no space left on device\) before .* finished .*\. Fix: free space on the node$/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(gone(pid)).toBe(true);
  }, 15_000);

  it('names the producer and its stderr when it fails, and closes the consumer input even if a child of the producer holds it open', async () => {
    // `sleep 5 &` keeps the producer's stdout and stderr open after the producer itself has failed.
    const failing = ['sh', '-c', 'sleep 5 & echo "Error response from daemon: No such image: todo-x:1" >&2; exit 1'];
    const started = Date.now();
    await expect(pipe(failing, ['cat'], { fix: { from: 'build the image first' } })).rejects.toThrow(
      /^sh -c .* exited with 1 \(Error response from daemon: No such image: todo-x:1\), so cat got an incomplete stream \(0\.000 MB\)\. Fix: build the image first$/,
    );
    expect(Date.now() - started).toBeLessThan(3_000);
  }, 15_000);

  it('stops both sides when the whole transfer takes longer than the timeout', async () => {
    const pid = join(tmp, 'slow.pid');
    const stalled = node(`require('fs').writeFileSync(${JSON.stringify(pid)}, String(process.pid)); setTimeout(() => undefined, 60_000)`);
    const started = Date.now();
    // Long enough for the producer (a node process) to start on a loaded machine and record its pid.
    await expect(pipe(stalled, ['cat'], { timeout: 2_000 })).rejects.toThrow(/ -e .* \| cat did not finish within 2 s \(0\.000 MB passed through\)\. Fix: /);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(gone(pid)).toBe(true);
  }, 15_000);

  it("stops both sides when the caller's signal aborts, with its reason as the failure", async () => {
    const pid = join(tmp, 'aborted.pid');
    const waiting = node(`require('fs').writeFileSync(${JSON.stringify(pid)}, String(process.pid)); setTimeout(() => undefined, 60_000)`);
    const watch = new AbortController();
    setTimeout(() => watch.abort(new Error('containerd at /run/x.sock stopped answering. Fix: restart it')), 1_000);
    const started = Date.now();
    await expect(pipe(producer(1), waiting, { signal: watch.signal, timeout: 60_000 })).rejects.toThrow(
      /^.* -e .* \| .* -e .* stopped \(.* MB passed through\): containerd at \/run\/x\.sock stopped answering\. Fix: restart it$/,
    );
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(gone(pid)).toBe(true);
  }, 15_000);

  it('passes the whole stream and returns the consumer output', async () => {
    const r = await pipe(producer(5), ['wc', '-c'], { timeout: 10_000 });
    expect(r.bytes).toBe(5 * 1024 * 1024);
    expect(r.stdout.trim()).toBe(String(5 * 1024 * 1024));
  }, 15_000);

  it('says which program is missing', async () => {
    await expect(pipe(['nx-k8s-no-such-program'], ['cat'])).rejects.toThrow(ProgramNotFoundError);
    await expect(pipe(producer(1), ['nx-k8s-no-such-program'])).rejects.toThrow(/nx-k8s-no-such-program was not found on PATH/);
  }, 15_000);
});

describe('pipeFailure', () => {
  const side = (argv: string[], o: Partial<PipeOutcome['from']> = {}) => ({ argv, exitCode: 0, signal: null, stderr: '', stopped: false, ...o });
  const outcome = (o: Partial<PipeOutcome>): PipeOutcome => ({
    from: side(['docker', 'save', 'a:1']),
    to: side(['ctr', 'images', 'import', '-']),
    bytes: 0,
    readerLeft: false,
    timedOutAfter: null,
    abortedBecause: null,
    ...o,
  });

  it('is null when both sides succeeded', () => {
    expect(pipeFailure(outcome({ bytes: 10 }))).toBeNull();
  });
  it('blames the consumer when the producer only died of losing its reader', () => {
    const o = outcome({
      from: side(['docker', 'save', 'a:1'], { exitCode: null, signal: 'SIGPIPE' }),
      to: side(['ctr', 'images', 'import', '-'], { exitCode: 1, stderr: 'ctr: no space left on device\n' }),
      bytes: 3e6,
    });
    expect(pipeFailure(o)).toBe(
      'ctr images import - exited with 1 (ctr: no space left on device) before docker save a:1 finished (3 MB passed through). Fix: run docker save a:1 | ctr images import - by hand to see why it stops',
    );
  });
  it('blames a consumer that failed after reading everything', () => {
    const o = outcome({ to: side(['ctr', 'images', 'import', '-'], { exitCode: 1, stderr: 'ctr: unexpected media type\n' }), bytes: 2e6 });
    expect(pipeFailure(o, { to: 'check containerd' })).toBe(
      'ctr images import - exited with 1 (ctr: unexpected media type) after reading all 2 MB of docker save a:1. Fix: check containerd',
    );
  });
});

describe('run', () => {
  it('turns a timeout into one line naming the command and what to suspect', async () => {
    const started = Date.now();
    const call = run('sleep', ['10'], { timeout: 200, stalled: 'is the sleeper wedged? Fix: wake it' });
    await expect(call).rejects.toThrow(NoAnswerError);
    await expect(call).rejects.toThrow(/^sleep did not answer within 0\.2 s: is the sleeper wedged\? Fix: wake it$/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
  it('has a generic fix when the caller knows no better', async () => {
    await expect(run('sleep', ['10'], { timeout: 100 })).rejects.toThrow(/^sleep did not answer within 0\.1 s: is sleep stuck\? Fix: run sleep by hand/);
  });
  it('reports a timeout even when execa loses the race between the kill and the exit (1 in ~50 at 1 ms)', async () => {
    const missed: unknown[] = [];
    for (let i = 0; i < 200; i++) {
      const r = await run('sleep', ['10'], { timeout: 1 }).catch((e: unknown) => e);
      if (!(r instanceof NoAnswerError)) missed.push(r);
    }
    expect(missed).toEqual([]);
    // 200 spawns: ~2 s on a quiet machine, several times that on a loaded one.
  }, 60_000);
  it('labels a command by its program and subcommand', () => {
    expect(commandLabel(['docker', 'image', 'inspect', 'todo:1'])).toBe('docker image inspect');
    expect(commandLabel(['ctr', '--address', '/run/c.sock', '--namespace', 'k8s.io', 'images', 'list', '--quiet'])).toBe('ctr images list');
    expect(commandLabel(['minikube', '-p', 'dev', 'image', 'ls', '--format', 'json'])).toBe('minikube image ls');
    expect(commandLabel(['kubectl', '--context=x', 'get', 'namespace', 'kube-system'])).toBe('kubectl get namespace');
    expect(commandLabel(['docker', 'save', 'todo:1'])).toBe('docker save');
  });
});
