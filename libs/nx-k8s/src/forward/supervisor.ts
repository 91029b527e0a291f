// Keeps one `kubectl port-forward svc/...` alive. kubectl binds to ONE pod at start and
// exits (or keeps printing "error forwarding port") when that pod goes away, so the
// supervisor restarts it on exit, on such errors and when the health endpoint stops
// answering. Restarts back off: a kubectl that fails at once (missing Service, cluster down)
// is retried a few times and then given up on with one line; a forward that has been ready
// reconnects for as long as the task runs, at most ~2 s after a new pod is ready.
import { get } from 'http';
import { connect } from 'net';
import { parseForwardingLine } from '../adapters/kubectl';
import { Spawned, Spawner, spawnProgram } from '../adapters/run';
import { checkedAt, forwardAddress, readyFailure, startFailure } from './messages';

export interface ForwardSpec {
  service: string;
  namespace: string;
  remotePort: number;
  localPort: number;
  /** HTTP path that answers below 400 once the app is ready; null: ready once a TCP connection through the forward is accepted. */
  healthPath: string | null;
  /** The Service says the port speaks HTTP (its name or appProtocol) though no HTTP probe checks it: shown as an http:// URL. */
  http?: boolean;
}

export type ForwardEvent =
  | { type: 'ready'; spec: ForwardSpec; url: string; reconnect: boolean }
  | { type: 'lost'; spec: ForwardSpec; why: string; retryInMs: number; attempt: number; everReady: boolean }
  | { type: 'waiting'; spec: ForwardSpec; url: string; seconds: number; last: string };

export type ForwardOutcome = { kind: 'stopped' } | { kind: 'failed'; message: string };

export interface ForwardTiming {
  /** Delay before the first restart; doubled on each consecutive failure. */
  retryMs: number;
  /** Longest delay between restarts while the forward has never been ready. */
  maxRetryMs: number;
  /** Longest delay between restarts once it has been ready (pods restart; come back quickly). */
  maxRetryAfterReadyMs: number;
  /** Give up when kubectl has not printed "Forwarding from" within this long of the start. */
  startTimeoutMs: number;
  /** Give up when the health path has not answered within this long of the start. */
  readyTimeoutMs: number;
  /** How often to say that the health path is still being waited for. */
  progressMs: number;
  /** How often a ready forward's health path is checked. */
  watchMs: number;
  /** How long one health request may take. */
  probeTimeoutMs: number;
}

export const DEFAULT_TIMING: ForwardTiming = {
  retryMs: 250,
  maxRetryMs: 8000,
  maxRetryAfterReadyMs: 2000,
  startTimeoutMs: 30_000,
  readyTimeoutMs: 120_000,
  progressMs: 5000,
  watchMs: 1000,
  probeTimeoutMs: 1500,
};

/** Delay before restart number `failures` (1 = the first restart). */
export function retryDelay(failures: number, everReady: boolean, t: ForwardTiming): number {
  const cap = everReady ? t.maxRetryAfterReadyMs : t.maxRetryMs;
  return Math.min(cap, t.retryMs * 2 ** Math.max(0, failures - 1));
}

export interface FailureState {
  spec: ForwardSpec;
  /** kubectl processes started so far. */
  attempts: number;
  /** Consecutive failures, counted since the forward was last ready. */
  failures: number;
  /** Milliseconds since the supervisor started. */
  elapsedMs: number;
  /** Some kubectl printed "Forwarding from". */
  everForwarded: boolean;
  everReady: boolean;
  /** kubectl's last words in the failed attempt. */
  lastError: string;
  /** The last health answer, when kubectl got as far as forwarding. */
  lastProbe: string | null;
}

/** After a failed attempt: when to retry, or the one line to give up with. Pure. */
export function afterFailure(s: FailureState, t: ForwardTiming): { retryInMs: number } | { giveUp: string } {
  const retryInMs = retryDelay(s.failures, s.everReady, t);
  if (s.everReady) return { retryInMs };
  const next = s.elapsedMs + retryInMs;
  if (!s.everForwarded && next > Math.min(t.startTimeoutMs, t.readyTimeoutMs)) {
    return { giveUp: startFailure(s.spec, s.attempts, Math.round(s.elapsedMs / 1000), s.lastError) };
  }
  if (s.everForwarded && next > t.readyTimeoutMs) {
    return { giveUp: readyFailure(s.spec, t.readyTimeoutMs / 1000, s.lastProbe ?? s.lastError) };
  }
  return { retryInMs };
}

export interface Probe {
  ok: boolean;
  /** "HTTP 503", "ECONNREFUSED", "no answer within 1.5 s" */
  detail: string;
}

/** One GET of the health path through the forward: an answer below 400 means ready. */
export function probe(port: number, path: string, timeoutMs: number): Promise<Probe> {
  return new Promise((resolve) => {
    // A fresh connection each time (agent: false): a kept-alive one could still lead to the old pod.
    const req = get({ host: '127.0.0.1', port, path, timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      const status = res.statusCode ?? 500;
      resolve({ ok: status < 400, detail: `HTTP ${status}` });
    });
    req.on('timeout', () => {
      resolve({ ok: false, detail: `no answer within ${timeoutMs / 1000} s` });
      req.destroy();
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, detail: e.code ?? e.message }));
  });
}

/**
 * One TCP connection through the forward. kubectl's own listener accepts every connection and
 * closes it when the pod refuses it, so the pod has accepted when the connection is still open
 * after a short wait, or the server spoke first.
 */
export function probeTcp(port: number, timeoutMs: number, settleMs = Math.min(500, timeoutMs)): Promise<Probe> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let timer = setTimeout(() => finish({ ok: false, detail: `no connection within ${timeoutMs / 1000} s` }), timeoutMs);
    const finish = (p: Probe) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
      resolve(p);
    };
    socket.once('connect', () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish({ ok: true, detail: 'TCP connection accepted' }), settleMs);
    });
    socket.once('data', () => finish({ ok: true, detail: 'TCP connection accepted' }));
    socket.once('close', () => finish({ ok: false, detail: 'connection closed through the forward' }));
    socket.once('error', (e: NodeJS.ErrnoException) => finish({ ok: false, detail: e.code ?? e.message }));
  });
}

/** `printed`: lastError is kubectl's own last line (else the supervisor's note on why it ended the attempt). */
type AttemptEnd = { kind: 'lost'; why: string; lastError: string; printed: boolean; wasReady: boolean } | { kind: 'failed'; message: string };

/** kubectl lines that mean the tunnel to the pod is gone although kubectl may keep running. */
const BROKEN_TUNNEL = /error forwarding port|lost connection to pod|unable to forward/i;
/** kubectl's routine lines: never its last words about a failure. */
const ROUTINE = /^(Forwarding from|Handling connection for)/;

export class Supervisor {
  private child: Spawned | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private readonly timing: ForwardTiming;
  private readonly url: string;

  constructor(
    private readonly spec: ForwardSpec,
    private readonly argv: string[],
    private readonly onEvent: (e: ForwardEvent) => void,
    timing: Partial<ForwardTiming> = {},
    private readonly spawn: Spawner = spawnProgram,
  ) {
    this.timing = { ...DEFAULT_TIMING, ...timing };
    this.url = forwardAddress(spec);
  }

  private check(): Promise<Probe> {
    const { localPort, healthPath } = this.spec;
    return healthPath === null ? probeTcp(localPort, this.timing.probeTimeoutMs) : probe(localPort, healthPath, this.timing.probeTimeoutMs);
  }

  /** Runs until stop() or until it gives up; never rejects. */
  async run(): Promise<ForwardOutcome> {
    const started = Date.now();
    const state = { attempts: 0, failures: 0, everForwarded: false, everReady: false, lastProbe: null as string | null };
    let kubectlSaid: string | null = null;
    while (!this.stopped) {
      state.attempts++;
      const end = await this.once(state, started);
      if (this.stopped) break;
      if (end.kind === 'failed') return end;
      if (end.wasReady) state.failures = 0;
      state.failures++;
      // An attempt cut short before kubectl printed anything says less than the last thing kubectl did print.
      if (end.printed) kubectlSaid = end.lastError;
      const next = afterFailure(
        { spec: this.spec, ...state, elapsedMs: Date.now() - started, lastError: end.printed ? end.lastError : (kubectlSaid ?? end.lastError) },
        this.timing,
      );
      if ('giveUp' in next) {
        this.stopped = true;
        return { kind: 'failed', message: next.giveUp };
      }
      this.onEvent({ type: 'lost', spec: this.spec, why: end.why, retryInMs: next.retryInMs, attempt: state.attempts, everReady: state.everReady });
      await this.sleep(next.retryInMs);
    }
    return { kind: 'stopped' };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  /** One kubectl process: resolves with the reason it is no longer serving. */
  private once(state: { everForwarded: boolean; everReady: boolean; lastProbe: string | null }, started: number): Promise<AttemptEnd> {
    const t = this.timing;
    return new Promise((resolve) => {
      const child = this.spawn(this.argv);
      this.child = child;
      let settled = false;
      let ready = false;
      let lastLine = '';
      const timers: NodeJS.Timeout[] = [];
      const finish = (end: AttemptEnd) => {
        if (settled) return;
        settled = true;
        timers.forEach((x) => clearTimeout(x));
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 2000).unref();
        }
        resolve(end);
      };
      const lost = (why: string) => finish({ kind: 'lost', why, lastError: lastLine || why, printed: lastLine !== '', wasReady: ready });

      // A kubectl that prints nothing (an API server that accepts but never answers) counts as failing too.
      if (!state.everForwarded) {
        const left = Math.max(0, started + Math.min(t.startTimeoutMs, t.readyTimeoutMs) - Date.now());
        timers.push(setTimeout(() => lost(`kubectl printed no "Forwarding from" within ${Math.round((Date.now() - started) / 1000)} s`), left));
      }

      const waitUntilHealthy = async () => {
        const since = state.everReady ? Date.now() : started;
        const deadline = state.everReady ? Infinity : started + t.readyTimeoutMs;
        let reported = since;
        for (;;) {
          const p = await this.check();
          if (settled || this.stopped) return;
          state.lastProbe = p.detail;
          if (p.ok) break;
          const now = Date.now();
          if (now >= deadline) return finish({ kind: 'failed', message: readyFailure(this.spec, t.readyTimeoutMs / 1000, p.detail) });
          if (now - reported >= t.progressMs) {
            reported = now;
            this.onEvent({ type: 'waiting', spec: this.spec, url: checkedAt(this.spec), seconds: Math.round((now - since) / 1000), last: p.detail });
          }
          await new Promise((r) => setTimeout(r, t.retryMs));
          if (settled || this.stopped) return;
        }
        ready = true;
        const reconnect = state.everReady;
        state.everReady = true;
        this.onEvent({ type: 'ready', spec: this.spec, url: this.url, reconnect });
        this.watch(() => settled, lost);
      };

      let waiting = false;
      const onLine = (line: string) => {
        if (line.trim() && !ROUTINE.test(line.trim())) lastLine = line.trim();
        if (parseForwardingLine(line) !== null) {
          state.everForwarded = true;
          timers.forEach((x) => clearTimeout(x));
          if (!waiting) {
            waiting = true;
            // The tunnel exists; the app is up when its health endpoint answers.
            void waitUntilHealthy();
          }
        } else if (BROKEN_TUNNEL.test(line)) {
          lost(line.trim());
        }
      };
      let buf = '';
      const feed = (b: Buffer) => {
        buf += b.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        lines.forEach(onLine);
      };
      child.stdout!.on('data', feed);
      child.stderr!.on('data', feed);
      child.on('error', (e) => lost(`kubectl could not start: ${e.message}`));
      child.on('exit', (code, signal) => {
        if (buf.trim() && !ROUTINE.test(buf.trim())) lastLine = buf.trim();
        const how = signal ? `kubectl was killed by ${signal}` : `kubectl exited with ${code}`;
        lost(lastLine ? `${how}: ${lastLine}` : how);
      });
    });
  }

  /** A ready forward: two health checks in a row without an answer mean the pod behind it is gone. */
  private watch(ended: () => boolean, lost: (why: string) => void): void {
    let failures = 0;
    const tick = async () => {
      if (ended() || this.stopped) return;
      const p = await this.check();
      if (ended() || this.stopped) return;
      failures = p.ok ? 0 : failures + 1;
      if (failures >= 2) return lost(`health endpoint stopped answering (${p.detail})`);
      setTimeout(tick, this.timing.watchMs);
    };
    setTimeout(tick, this.timing.watchMs);
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
    const c = this.child;
    if (c && c.exitCode === null && c.signalCode === null) {
      c.kill('SIGTERM');
      setTimeout(() => c.exitCode === null && c.signalCode === null && c.kill('SIGKILL'), 2000).unref();
    }
  }

  /** Synchronous kill for process exit handlers. */
  killNow(): void {
    this.stopped = true;
    this.wake?.();
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
