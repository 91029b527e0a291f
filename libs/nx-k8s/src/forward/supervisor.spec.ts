// The supervisor with real processes: stand-in "kubectl" scripts (bash) that fail at once, or
// print kubectl's "Forwarding from" line and stay, and a real local HTTP server behind the
// health path. Timings are scaled down; the default schedule is checked as a pure function.
import { EventEmitter } from 'events';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { createServer, Server } from 'http';
import { AddressInfo, createServer as createTcpServer, Server as TcpServer, Socket } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { PassThrough } from 'stream';
import { Spawned, Spawner } from '../adapters/run';
import { describeEvent } from './messages';
import { afterFailure, DEFAULT_TIMING, ForwardEvent, ForwardSpec, ForwardTiming, probeTcp, retryDelay, Supervisor } from './supervisor';

const tmp = mkdtempSync(join(tmpdir(), 'nx-k8s-forward-'));
const servers: Server[] = [];
const tcpServers: Array<{ server: TcpServer; sockets: Set<Socket> }> = [];
afterAll(() => {
  servers.forEach((s) => (s.closeAllConnections(), s.close()));
  tcpServers.forEach((t) => (t.sockets.forEach((c) => c.destroy()), t.server.close()));
  rmSync(tmp, { recursive: true, force: true });
});

const spec = (localPort: number, service = 'todo-x'): ForwardSpec => ({ service, namespace: 'default', remotePort: 80, localPort, healthPath: '/api/health' });

/** A bash script standing in for kubectl; every start appends "<ms since epoch>" to <name>.starts. */
function fakeKubectl(name: string, body: string): { argv: string[]; starts: () => number[]; pidFile: string } {
  const script = join(tmp, `${name}.sh`);
  const starts = join(tmp, `${name}.starts`);
  const pidFile = join(tmp, `${name}.pid`);
  writeFileSync(starts, '');
  writeFileSync(script, `#!/bin/bash\necho $(( $(date +%s%N) / 1000000 )) >> '${starts}'\necho $$ > '${pidFile}'\n${body}\n`);
  chmodSync(script, 0o755);
  return { argv: [script], pidFile, starts: () => readFileSync(starts, 'utf8').split('\n').filter(Boolean).map(Number) };
}

function alive(pidFile: string): boolean {
  if (!existsSync(pidFile)) return false;
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8')), 0);
    return true;
  } catch {
    return false;
  }
}

async function httpServer(status: () => number): Promise<number> {
  const server = createServer((_req, res) => {
    res.statusCode = status();
    res.end();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** A TCP server standing in for the far end of a forward: one that waits for the client, greets it, or closes at once (as kubectl does when the pod refuses). */
async function tcpServer(behaviour: 'silent' | 'greets' | 'closes'): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((c) => {
    sockets.add(c);
    if (behaviour === 'greets') c.write('220 ready\r\n');
    if (behaviour === 'closes') c.destroy();
  });
  tcpServers.push({ server, sockets });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const NOT_FOUND = 'Error from server (NotFound): services "todo-x" not found';

describe('the default retry schedule', () => {
  it('backs off and gives up within 30 s on a kubectl that fails at once (each run taking 150 ms)', () => {
    let elapsedMs = 0;
    const delays: number[] = [];
    for (let attempts = 1; ; attempts++) {
      elapsedMs += 150;
      const next = afterFailure(
        { spec: spec(3000), attempts, failures: attempts, elapsedMs, everForwarded: false, everReady: false, lastError: NOT_FOUND, lastProbe: null },
        DEFAULT_TIMING,
      );
      if ('giveUp' in next) {
        expect(elapsedMs).toBeLessThan(30_000);
        expect(attempts).toBeGreaterThanOrEqual(5);
        expect(next.giveUp).toBe(
          `svc/todo-x: kubectl port-forward keeps failing (${NOT_FOUND}) after ${attempts} attempts in ${Math.round(elapsedMs / 1000)} s. ` +
            'Fix: deploy the release that creates Service todo-x in namespace default (kubectl get svc -n default lists what is there), or correct forwards[].service',
        );
        break;
      }
      delays.push(next.retryInMs);
      elapsedMs += next.retryInMs;
    }
    expect(delays.slice(0, 4)).toEqual([250, 500, 1000, 2000]);
    expect(Math.max(...delays)).toBe(DEFAULT_TIMING.maxRetryMs);
  });

  it('never gives up once the forward has been ready, and waits at most 2 s between reconnects', () => {
    for (const failures of [1, 2, 3, 10, 1000]) {
      const next = afterFailure(
        {
          spec: spec(3000),
          attempts: failures + 1,
          failures,
          elapsedMs: 3_600_000,
          everForwarded: true,
          everReady: true,
          lastError: 'error: lost connection to pod',
          lastProbe: 'HTTP 200',
        },
        DEFAULT_TIMING,
      );
      expect(next).toEqual({ retryInMs: Math.min(2000, 250 * 2 ** (failures - 1)) });
    }
    expect(retryDelay(1, true, DEFAULT_TIMING)).toBe(250);
  });

  it('gives a fix that fits what kubectl said', () => {
    const line = (lastError: string) =>
      afterFailure(
        { spec: spec(3000), attempts: 7, failures: 7, elapsedMs: 29_000, everForwarded: false, everReady: false, lastError, lastProbe: null },
        DEFAULT_TIMING,
      );
    expect(line('Unable to connect to the server: dial tcp 127.0.0.1:6443: connect: connection refused')).toEqual({
      giveUp: expect.stringMatching(/Fix: start the cluster, or switch context/),
    });
    expect(line('Unable to connect to the server: tls: failed to verify certificate: x509: certificate signed by unknown authority')).toEqual({
      giveUp: expect.stringMatching(/Fix: refresh the kubeconfig for this cluster/),
    });
    expect(line('error: unable to forward port because pod is not running. Current status=Pending')).toEqual({
      giveUp: expect.stringMatching(/Fix: check the pods behind Service todo-x/),
    });
  });
});

describe('the TCP check through a forward', () => {
  it('counts a connection the far end keeps open, or greets on, as accepted', async () => {
    expect(await probeTcp(await tcpServer('silent'), 1000, 100)).toEqual({ ok: true, detail: 'TCP connection accepted' });
    const started = Date.now();
    expect(await probeTcp(await tcpServer('greets'), 1000, 5000)).toEqual({ ok: true, detail: 'TCP connection accepted' });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('counts a connection closed at once (kubectl: the pod refused it) or refused as not accepted', async () => {
    expect(await probeTcp(await tcpServer('closes'), 1000, 300)).toEqual({ ok: false, detail: 'connection closed through the forward' });
    const free = await tcpServer('silent');
    tcpServers.pop()!.server.close();
    await sleep(20);
    expect(await probeTcp(free, 1000, 100)).toEqual({ ok: false, detail: 'ECONNREFUSED' });
  });
});

describe('Supervisor with a stand-in kubectl', () => {
  const fast: Partial<ForwardTiming> = {
    retryMs: 20,
    maxRetryMs: 160,
    maxRetryAfterReadyMs: 80,
    startTimeoutMs: 1000,
    readyTimeoutMs: 1500,
    progressMs: 400,
    watchMs: 100,
    probeTimeoutMs: 300,
  };

  it('backs off and gives up with one line when kubectl exits at once (missing Service)', async () => {
    const kubectl = fakeKubectl('missing', `echo '${NOT_FOUND}' >&2\nexit 1`);
    const events: ForwardEvent[] = [];
    const started = Date.now();
    const outcome = await new Supervisor(spec(1), kubectl.argv, (e) => events.push(e), fast).run();
    expect(Date.now() - started).toBeLessThan(2_000);
    const starts = kubectl.starts();
    expect(outcome).toEqual({
      kind: 'failed',
      message: expect.stringMatching(
        new RegExp(
          `^svc/todo-x: kubectl port-forward keeps failing \\(Error from server \\(NotFound\\): services "todo-x" not found\\) after ${starts.length} attempts in 1 s\\. Fix: deploy the release`,
        ),
      ),
    });
    // Backoff: the gaps between starts grow (20, 40, 80 ms, then capped at 160).
    const gaps = starts.slice(1).map((t, i) => t - starts[i]);
    expect(starts.length).toBeGreaterThanOrEqual(4);
    expect(starts.length).toBeLessThan(15);
    expect(gaps[gaps.length - 1]).toBeGreaterThan(gaps[0]);
    expect(events.map((e) => e.type)).toEqual(Array(starts.length - 1).fill('lost'));
    expect(describeEvent(events[0])).toMatch(
      /^svc\/todo-x: kubectl exited with 1: Error from server \(NotFound\): services "todo-x" not found; retrying in 0\.02 s \(attempt 2\)$/,
    );
  }, 10_000);

  it('gives up when kubectl prints nothing at all (an API server that never answers)', async () => {
    const kubectl = fakeKubectl('silent', 'exec sleep 30');
    const outcome = await new Supervisor(spec(1), kubectl.argv, () => undefined, fast).run();
    expect(outcome).toEqual({
      kind: 'failed',
      message: expect.stringMatching(
        /^svc\/todo-x: kubectl port-forward keeps failing \(kubectl printed no "Forwarding from" within 1 s\) after 1 attempt in 1 s\. Fix: /,
      ),
    });
    await sleep(100);
    expect(alive(kubectl.pidFile)).toBe(false);
  }, 10_000);

  it('says it is waiting while the health path does not answer, then gives up after readyTimeout', async () => {
    const port = await httpServer(() => 503);
    const kubectl = fakeKubectl('unhealthy', `echo "Forwarding from 127.0.0.1:${port} -> 80"\nexec sleep 30`);
    const events: ForwardEvent[] = [];
    const started = Date.now();
    const outcome = await new Supervisor(spec(port), kubectl.argv, (e) => events.push(e), fast).run();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(outcome).toEqual({
      kind: 'failed',
      message: `svc/todo-x: http://127.0.0.1:${port}/api/health did not answer below HTTP 400 within 1.5 s (last: HTTP 503). Fix: check that the app serves /api/health (kubectl logs -n default svc/todo-x), correct forwards[].healthPath, or raise readyTimeout`,
    });
    const waiting = events.filter((e) => e.type === 'waiting');
    expect(waiting.length).toBeGreaterThanOrEqual(2);
    expect(describeEvent(waiting[0])).toBe(`svc/todo-x: waiting for http://127.0.0.1:${port}/api/health to answer (0 s, last: HTTP 503)`);
    expect(events.some((e) => e.type === 'ready')).toBe(false);
    await sleep(100);
    expect(alive(kubectl.pidFile)).toBe(false);
  }, 10_000);

  it('without a health path, is ready once a TCP connection through the forward is accepted', async () => {
    const port = await tcpServer('silent');
    const kubectl = fakeKubectl('tcp', `echo "Forwarding from 127.0.0.1:${port} -> 5432"\nexec sleep 30`);
    const events: ForwardEvent[] = [];
    const supervisor = new Supervisor({ ...spec(port, 'db'), healthPath: null }, kubectl.argv, (e) => events.push(e), fast);
    const outcome = supervisor.run();
    for (let i = 0; i < 100 && !events.some((e) => e.type === 'ready'); i++) await sleep(20);
    expect(events.filter((e) => e.type === 'ready').map(describeEvent)).toEqual([`ready: 127.0.0.1:${port} -> svc/db:80 (accepts TCP connections)`]);
    supervisor.stop();
    expect(await outcome).toEqual({ kind: 'stopped' });
  }, 10_000);

  it('without a health path, gives up after readyTimeout while connections through the forward are closed at once', async () => {
    const port = await tcpServer('closes');
    const kubectl = fakeKubectl('tcp-refused', `echo "Forwarding from 127.0.0.1:${port} -> 5432"\nexec sleep 30`);
    const events: ForwardEvent[] = [];
    const outcome = await new Supervisor({ ...spec(port, 'db'), healthPath: null }, kubectl.argv, (e) => events.push(e), fast).run();
    expect(outcome).toEqual({
      kind: 'failed',
      message:
        `svc/db: 127.0.0.1:${port} did not accept a TCP connection through the forward within 1.5 s (last: connection closed through the forward). ` +
        'Fix: check that the pods behind svc/db accept connections on the port its port 80 targets (kubectl describe svc db -n default, kubectl logs -n default svc/db), give option forwards with a healthPath, or raise readyTimeout',
    });
    expect(describeEvent(events.find((e) => e.type === 'waiting')!)).toBe(
      `svc/db: waiting for 127.0.0.1:${port} to accept a TCP connection (0 s, last: connection closed through the forward)`,
    );
  }, 10_000);

  it('once ready, keeps reconnecting past the start timeout with short backoff, and reconnects when the pod is back', async () => {
    const port = await httpServer(() => 200);
    const mode = join(tmp, 'mode');
    writeFileSync(mode, 'up');
    const kubectl = fakeKubectl(
      'flaky',
      `if [ "$(cat '${mode}')" = up ]; then echo "Forwarding from 127.0.0.1:${port} -> 80"; exec sleep 30; fi\necho 'error: unable to forward port because pod is not running. Current status=Pending' >&2\nexit 1`,
    );
    const events: ForwardEvent[] = [];
    const supervisor = new Supervisor(spec(port), kubectl.argv, (e) => events.push(e), fast);
    const outcome = supervisor.run();
    for (let i = 0; i < 50 && !events.some((e) => e.type === 'ready'); i++) await sleep(20);
    expect(events.filter((e) => e.type === 'ready')).toEqual([expect.objectContaining({ reconnect: false })]);

    // The pod goes away: kubectl dies, and new ones fail at once for longer than startTimeoutMs.
    writeFileSync(mode, 'down');
    process.kill(Number(readFileSync(kubectl.pidFile, 'utf8')), 'SIGKILL');
    await sleep(1500);
    const lost = events.filter((e): e is Extract<ForwardEvent, { type: 'lost' }> => e.type === 'lost');
    expect(lost.length).toBeGreaterThanOrEqual(5);
    expect(lost.every((e) => e.everReady && e.retryInMs <= 80)).toBe(true);
    expect(describeEvent(lost[lost.length - 1])).toMatch(
      /^svc\/todo-x: error: unable to forward port because pod is not running\. Current status=Pending; reconnecting in 0\.08 s$/,
    );

    // The new pod is ready.
    writeFileSync(mode, 'up');
    const back = Date.now();
    for (let i = 0; i < 50 && !events.some((e) => e.type === 'ready' && e.reconnect); i++) await sleep(20);
    expect(events.filter((e) => e.type === 'ready' && e.reconnect)).toHaveLength(1);
    expect(Date.now() - back).toBeLessThan(600);

    supervisor.stop();
    expect(await outcome).toEqual({ kind: 'stopped' });
    await sleep(100);
    expect(alive(kubectl.pidFile)).toBe(false);
  }, 15_000);
});

describe('Supervisor through a stand-in for the process boundary', () => {
  /** Children that print `line` and run until killed; no process is started. */
  function standIn(line: string): { spawn: Spawner; started: string[][]; kills: string[] } {
    const started: string[][] = [];
    const kills: string[] = [];
    const spawn: Spawner = (argv) => {
      started.push([...argv]);
      const child = Object.assign(new EventEmitter(), {
        stdout: new PassThrough(),
        stderr: new PassThrough(),
        exitCode: null as number | null,
        signalCode: null as NodeJS.Signals | null,
        kill(signal: NodeJS.Signals) {
          kills.push(signal);
          child.signalCode = signal;
          setImmediate(() => child.emit('exit', null, signal));
          return true;
        },
      });
      setImmediate(() => child.stdout.write(`${line}\n`));
      return child as unknown as Spawned;
    };
    return { spawn, started, kills };
  }

  it('starts the argv it was given, is ready when the health path answers, and stops its child', async () => {
    const port = await httpServer(() => 200);
    const boundary = standIn(`Forwarding from 127.0.0.1:${port} -> 80`);
    const events: ForwardEvent[] = [];
    const argv = ['kubectl', '--context', 'kind-x', 'port-forward', '-n', 'default', '--address', '127.0.0.1', 'svc/todo-x', `${port}:80`];
    const supervisor = new Supervisor(spec(port), argv, (e) => events.push(e), { retryMs: 20, watchMs: 100 }, boundary.spawn);
    const outcome = supervisor.run();
    for (let i = 0; i < 100 && !events.some((e) => e.type === 'ready'); i++) await sleep(20);
    expect(events.map((e) => e.type)).toEqual(['ready']);
    expect(boundary.started).toEqual([argv]);
    supervisor.stop();
    expect(await outcome).toEqual({ kind: 'stopped' });
    expect(boundary.kills[0]).toBe('SIGTERM');
  }, 10_000);
});
