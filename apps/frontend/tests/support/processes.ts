import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A child process in its own process group, so stop() also ends whatever it
 * spawned (uvicorn workers, Next.js's render workers).
 */
export class ServerProcess {
  private output = '';
  private exit: Promise<void>;
  private exited = false;
  private readonly child: ChildProcess;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    options: { cwd: string; env: NodeJS.ProcessEnv },
  ) {
    this.child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-4000);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exit = new Promise((resolve) => {
      this.child.on('error', (err) => {
        this.output += `\n${err.message}`;
        this.exited = true;
        resolve();
      });
      this.child.on('exit', (code, signal) => {
        this.output += `\n[exited with ${signal ?? `code ${code}`}]`;
        this.exited = true;
        resolve();
      });
    });
  }

  /** Last lines the process printed, for failure messages. */
  tail(lines = 15): string {
    return this.output.trim().split('\n').slice(-lines).join('\n');
  }

  /** Resolves once `url` answers 2xx; fails fast if the process dies first. */
  async waitUntilServing(url: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) {
        throw new Error(`${this.name} exited before serving ${url}:\n${this.tail()}`);
      }
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        if (res.ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`${this.name} did not serve ${url} within ${timeoutMs / 1000} s:\n${this.tail()}`);
  }

  /** SIGTERM to the whole group, SIGKILL if it lingers. */
  async stop(): Promise<void> {
    if (this.exited || this.child.pid === undefined) return;
    const pgid = -this.child.pid;
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(pgid, sig);
      } catch {
        // Group already gone.
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 5000);
    await this.exit;
    clearTimeout(timer);
    // Children of the leader may outlive it.
    signal('SIGKILL');
  }
}
