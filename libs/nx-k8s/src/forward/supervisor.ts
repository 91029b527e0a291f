// Keeps one `kubectl port-forward svc/...` alive. kubectl binds to ONE pod at start and
// exits (or keeps printing "error forwarding port") when that pod goes away, so the
// supervisor restarts it on exit, on such errors and when the health endpoint stops
// answering, retrying every 250 ms so the URL comes back within about a second of a new
// pod being ready.
import { ChildProcess, spawn } from 'child_process';
import { get } from 'http';
import { parseForwardingLine } from '../adapters/kubectl';

export interface ForwardSpec {
  service: string;
  remotePort: number;
  localPort: number;
  healthPath: string;
}

export type ForwardEvent =
  | { type: 'ready'; spec: ForwardSpec; url: string; reconnect: boolean }
  | { type: 'lost'; spec: ForwardSpec; why: string };

const RETRY_MS = 250;
const WATCH_MS = 1000;

export function healthy(port: number, path: string, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 400);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Supervisor {
  private child: ChildProcess | null = null;
  private stopped = false;

  constructor(
    private readonly spec: ForwardSpec,
    private readonly argv: string[],
    private readonly onEvent: (e: ForwardEvent) => void,
  ) {}

  /** Runs until stop(); resolves when stopped. */
  async run(): Promise<void> {
    let reconnect = false;
    while (!this.stopped) {
      const why = await this.once(reconnect);
      if (this.stopped) break;
      this.onEvent({ type: 'lost', spec: this.spec, why });
      reconnect = true;
      await sleep(RETRY_MS);
    }
  }

  /** One kubectl process: resolves with the reason it is no longer serving. */
  private once(reconnect: boolean): Promise<string> {
    return new Promise((resolve) => {
      const child = spawn(this.argv[0], this.argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
      this.child = child;
      let settled = false;
      let watch: NodeJS.Timeout | null = null;
      const finish = (why: string) => {
        if (settled) return;
        settled = true;
        if (watch) clearInterval(watch);
        if (child.exitCode === null) child.kill('SIGTERM');
        resolve(why);
      };
      let ready = false;
      const onLine = async (line: string) => {
        if (parseForwardingLine(line) !== null && !ready) {
          ready = true;
          // The tunnel exists; the app is up when its health endpoint answers.
          while (!settled && !this.stopped && !(await healthy(this.spec.localPort, this.spec.healthPath))) await sleep(RETRY_MS);
          if (settled || this.stopped) return;
          this.onEvent({ type: 'ready', spec: this.spec, url: `http://127.0.0.1:${this.spec.localPort}`, reconnect });
          let failures = 0;
          watch = setInterval(async () => {
            failures = (await healthy(this.spec.localPort, this.spec.healthPath)) ? 0 : failures + 1;
            if (failures >= 2) finish('health endpoint stopped answering');
          }, WATCH_MS);
        } else if (/error forwarding port|lost connection to pod|unable to forward/i.test(line)) {
          finish(line.trim());
        }
      };
      let buf = '';
      const feed = (b: Buffer) => {
        buf += b.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        lines.forEach((l) => void onLine(l));
      };
      child.stdout!.on('data', feed);
      child.stderr!.on('data', feed);
      child.on('error', (e) => finish(`kubectl could not start: ${e.message}`));
      child.on('exit', (code) => finish(`kubectl exited with ${code}${buf ? `: ${buf.trim()}` : ''}`));
    });
  }

  stop(): void {
    this.stopped = true;
    const c = this.child;
    if (c && c.exitCode === null) {
      c.kill('SIGTERM');
      setTimeout(() => c.exitCode === null && c.kill('SIGKILL'), 2000).unref();
    }
  }

  /** Synchronous kill for process exit handlers. */
  killNow(): void {
    this.stopped = true;
    if (this.child && this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
