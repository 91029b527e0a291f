// The process boundary: the only module that starts external programs. Every adapter
// builds an argument array and calls run() (pipe() for one program into another, spawnProgram()
// for a long-running one); nothing here ever goes through a shell.
import { ChildProcess, spawn } from 'child_process';
import execa from 'execa';
import { logger } from '@nx/devkit';
import { mask } from '../secrets/mask';

export interface RunOptions {
  /** Text written to the program's standard input. */
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Milliseconds before the program is stopped and a NoAnswerError is thrown. */
  timeout?: number;
  /** What to suspect and how to fix it when the program does not answer in time: "is the Docker daemon wedged? Fix: ...". */
  stalled?: string;
  /** Called with each chunk of output while the program runs (progress). */
  onOutput?: (chunk: string) => void;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly result: RunResult,
  ) {
    super(`${mask(argv.join(' '))} exited with ${result.exitCode}: ${mask(lastLines(result.stderr || result.stdout, 5))}`);
  }
}

/** A program missing from PATH gets its own error so that callers can say how to install it. */
export class ProgramNotFoundError extends Error {
  constructor(readonly program: string) {
    super(`${program} was not found on PATH`);
  }
}

/** A program that did not finish within its time limit (a wedged daemon, an unreachable node). */
export class NoAnswerError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly timeoutMs: number,
    stalled?: string,
  ) {
    const label = commandLabel(argv);
    super(
      mask(`${label} did not answer within ${seconds(timeoutMs)} s: ${stalled ?? `is ${argv[0]} stuck? Fix: run ${label} by hand to see what it waits for`}`),
    );
  }
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join('\n');
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).pop() ?? '';
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? String(ms / 1000) : (ms / 1000).toFixed(1);
}

/**
 * The program and its subcommand, the part a person recognizes: `ctr --address X images list
 * --quiet` -> "ctr images list". Options before the subcommand are skipped with their value.
 */
export function commandLabel(argv: readonly string[]): string {
  const words: string[] = [];
  for (let i = 1; i < argv.length && words.length < 2; i++) {
    const a = argv[i];
    if (a.startsWith('-')) {
      if (words.length > 0) break;
      if (!a.includes('=')) i++;
    } else if (/^[a-z][a-z-]*$/.test(a)) {
      words.push(a);
    } else {
      break;
    }
  }
  return [argv[0], ...words].join(' ');
}

export type Runner = (program: string, args: readonly string[], options?: RunOptions) => Promise<RunResult>;

/** Runs a program to completion and returns its output; a non-zero exit is a result, not an error. */
export const run: Runner = async (program, args, options = {}) => {
  logger.verbose(`nx-k8s: $ ${mask([program, ...args].join(' '))}`);
  const child = execa(program, [...args], {
    input: options.input,
    env: options.env,
    cwd: options.cwd,
    timeout: options.timeout,
    reject: false,
    stripFinalNewline: false,
  });
  if (options.onOutput) {
    child.stdout?.on('data', (b: Buffer) => options.onOutput?.(b.toString()));
    child.stderr?.on('data', (b: Buffer) => options.onOutput?.(b.toString()));
  }
  const r = await child;
  if ((r as { code?: string }).code === 'ENOENT' || (r.exitCode === undefined && /ENOENT/.test(String(r.stderr)))) {
    throw new ProgramNotFoundError(program);
  }
  // Only the timeout kills the child here; execa 5 sometimes reports that kill with
  // timedOut unset (its exit and timer race), so `killed` counts too.
  if (r.timedOut || (options.timeout !== undefined && r.killed)) throw new NoAnswerError([program, ...args], options.timeout!, options.stalled);
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
};

/** run(), but a non-zero exit throws a CommandError carrying the program's stderr. */
export async function runOk(runner: Runner, program: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
  const r = await runner(program, args, options);
  if (r.exitCode !== 0) throw new CommandError([program, ...args], r);
  return r;
}

export interface PipeOptions {
  /** Milliseconds for the whole transfer; both programs are stopped when it passes. */
  timeout?: number;
  /** Stops both programs when aborted; its reason (one line with its fix) is the failure. */
  signal?: AbortSignal;
  /** How to fix a failure of the producer, of the consumer, or a transfer that took too long. */
  fix?: { from?: string; to?: string; timeout?: string };
}

/** How one side of a pipe ended. `stopped`: pipe() stopped it (the other side ended, time ran out, or the caller aborted). */
export interface PipeSide {
  argv: readonly string[];
  exitCode: number | null;
  signal: string | null;
  stderr: string;
  stopped: boolean;
}

export interface PipeOutcome {
  from: PipeSide;
  to: PipeSide;
  /** Bytes that went from the producer into the consumer. */
  bytes: number;
  /** The consumer ended before the producer's output did: it did not read the whole stream. */
  readerLeft: boolean;
  /** Set when the transfer was stopped for taking longer than this many milliseconds. */
  timedOutAfter: number | null;
  /** Set when the caller's signal stopped the transfer: its reason. */
  abortedBecause: string | null;
}

export class PipeError extends Error {
  constructor(
    message: string,
    readonly outcome: PipeOutcome,
  ) {
    super(mask(message));
  }
}

function shortArgv(argv: readonly string[]): string {
  // One line, whatever the arguments hold.
  const s = argv.join(' ').replace(/\s+/g, ' ');
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e6 ? 3 : 0)} MB`;
}

function ending(s: PipeSide): string {
  const how = s.signal ? `was killed by ${s.signal}` : `exited with ${s.exitCode}`;
  const detail = lastLine(s.stderr);
  return detail ? `${how} (${detail})` : how;
}

/** A producer that lost its reader dies of SIGPIPE (Go, C) or reports EPIPE (Node): a consequence, not a cause. */
function lostItsReader(s: PipeSide): boolean {
  return s.stopped || s.signal === 'SIGPIPE' || /\bEPIPE\b|broken pipe/i.test(s.stderr);
}

/**
 * Which side of `from | to` failed, in one line, or null when both succeeded. A producer that
 * fails on its own is the cause (the consumer only got a truncated stream); otherwise a
 * consumer that failed or stopped reading early is.
 */
export function pipeFailure(o: PipeOutcome, fix: PipeOptions['fix'] = {}): string | null {
  const from = shortArgv(o.from.argv);
  const to = shortArgv(o.to.argv);
  const moved = megabytes(o.bytes);
  if (o.abortedBecause !== null) return `${from} | ${to} stopped (${moved} passed through): ${o.abortedBecause}`;
  if (o.timedOutAfter !== null) {
    return `${from} | ${to} did not finish within ${seconds(o.timedOutAfter)} s (${moved} passed through). Fix: ${fix.timeout ?? 'check that both programs answer on their own, or allow more time'}`;
  }
  const fromFailed = o.from.exitCode !== 0 || o.from.signal !== null;
  if (fromFailed && !lostItsReader(o.from)) {
    return `${from} ${ending(o.from)}, so ${to} got an incomplete stream (${moved}). Fix: ${fix.from ?? `run ${from} by hand to see why it fails`}`;
  }
  const toFailed = o.to.exitCode !== 0 || o.to.signal !== null;
  const early = o.readerLeft || (fromFailed && lostItsReader(o.from));
  if (toFailed || early) {
    const when = early ? `before ${from} finished (${moved} passed through)` : `after reading all ${moved} of ${from}`;
    return `${to} ${ending(o.to)} ${when}. Fix: ${fix.to ?? `run ${from} | ${to} by hand to see why it stops`}`;
  }
  return null;
}

const STDERR_KEPT = 64 * 1024;

/** The process itself has ended (execa's promise can settle earlier, on a broken stdin). */
function exited(child: execa.ExecaChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
}

/** How much, and for how long, a producer may still send once a consumer that succeeded has exited. */
export const PIPE_TAIL = { bytes: 1 << 20, ms: 5000 };

/** pipe()'s shape, for callers that take it as a seam (a stand-in in tests). */
export type Piper = typeof pipe;

/**
 * Pipes `from`'s standard output into `to`'s standard input (`docker save X | ctr import -`)
 * without a shell. When the consumer ends first the producer is stopped (it would block on a
 * full pipe forever); when the producer fails the consumer's input is closed. Throws a
 * PipeError naming the side that failed, with its stderr.
 */
export async function pipe(
  from: readonly string[],
  to: readonly string[],
  options: PipeOptions = {},
): Promise<{ bytes: number; stdout: string; stderr: string }> {
  logger.verbose(`nx-k8s: $ ${mask(from.join(' '))} | ${mask(to.join(' '))}`);
  const producer = execa(from[0], from.slice(1), { reject: false, buffer: false, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
  const consumer = execa(to[0], to.slice(1), { reject: false, stdin: 'pipe' });
  const stopped = { from: false, to: false };
  const stop = (child: execa.ExecaChildProcess, side: 'from' | 'to') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    stopped[side] = true;
    child.kill('SIGTERM', { forceKillAfterTimeout: 2000 });
  };

  let producerStderr = '';
  producer.stderr?.on('data', (b: Buffer) => (producerStderr = (producerStderr + b.toString()).slice(-STDERR_KEPT)));
  let bytes = 0;
  // What the producer sent after a consumer that succeeded had finished (see consumerExited).
  let leftover = 0;
  let consumerFinished = false;
  let producerOutputEnded = false;
  let grace: NodeJS.Timeout | undefined;
  producer.stdout?.on('data', (b: Buffer) => {
    if (!consumerFinished) bytes += b.length;
    else if ((leftover += b.length) > PIPE_TAIL.bytes) readerGone();
  });
  producer.stdout?.on('end', () => ((producerOutputEnded = true), clearTimeout(grace)));
  // Writing to a consumer that has exited fails with EPIPE; its exit reports that.
  consumer.stdin?.on('error', () => undefined);
  producer.stdout?.pipe(consumer.stdin!);

  let readerLeft = false;
  const readerGone = () => {
    if (producerOutputEnded || readerLeft) return;
    readerLeft = true;
    clearTimeout(grace);
    producer.stdout?.unpipe();
    producer.stdout?.destroy();
    stop(producer, 'from');
  };
  // The consumer's exit: 'exit' is the earliest sign; the promise also covers a failed spawn.
  // A consumer that succeeds may stop at the end of what it parses (ctr at the tar's end-of-
  // archive blocks) before the producer has closed its output: the producer gets a moment to
  // end by itself, what it still sends discarded; much more, or no end, and the reader left early.
  const consumerExited = (code: number | null) => {
    if (producerOutputEnded || readerLeft || consumerFinished) return;
    if (code !== 0) return readerGone();
    consumerFinished = true;
    producer.stdout?.unpipe();
    producer.stdout?.resume();
    grace = setTimeout(readerGone, PIPE_TAIL.ms);
  };
  consumer.once('exit', (code) => consumerExited(code));
  const consumerDone = consumer.then((c) => consumerExited(c.exitCode ?? null));
  const producerDone = producer.then(async (p) => {
    if (p.exitCode !== 0) {
      producer.stdout?.unpipe();
      producer.stdout?.destroy();
      consumer.stdin?.end();
    }
    // A child the producer left behind may hold its stderr open: what the producer wrote
    // before exiting is already in the pipe, so a short wait reads it all.
    await new Promise((r) => setTimeout(r, 50));
    producer.stderr?.destroy();
  });
  let timedOutAfter: number | null = null;
  const timer = options.timeout
    ? setTimeout(() => {
        timedOutAfter = options.timeout!;
        stop(producer, 'from');
        stop(consumer, 'to');
      }, options.timeout)
    : null;
  let abortedBecause: string | null = null;
  const abort = () => {
    const reason = options.signal?.reason;
    abortedBecause = reason instanceof Error ? reason.message : String(reason);
    stop(producer, 'from');
    stop(consumer, 'to');
  };
  if (options.signal?.aborted) abort();
  else options.signal?.addEventListener('abort', abort, { once: true });
  const [p, c] = await Promise.all([producer, consumer, consumerDone, producerDone, exited(producer), exited(consumer)]);
  if (timer) clearTimeout(timer);
  clearTimeout(grace);
  options.signal?.removeEventListener('abort', abort);

  if ((p as { code?: string }).code === 'ENOENT') throw new ProgramNotFoundError(from[0]);
  if ((c as { code?: string }).code === 'ENOENT') throw new ProgramNotFoundError(to[0]);
  const outcome: PipeOutcome = {
    // The processes' own exit status: execa reports none for a consumer whose input broke.
    from: { argv: from, exitCode: producer.exitCode, signal: producer.signalCode, stderr: producerStderr, stopped: stopped.from },
    to: { argv: to, exitCode: consumer.exitCode, signal: consumer.signalCode, stderr: c.stderr ?? '', stopped: stopped.to },
    bytes,
    readerLeft,
    timedOutAfter,
    abortedBecause,
  };
  const failure = pipeFailure(outcome, options.fix);
  if (failure) throw new PipeError(failure, outcome);
  return { bytes, stdout: c.stdout ?? '', stderr: c.stderr ?? '' };
}

/** A long-running program its caller watches and stops: its output as it comes, its exit, kill. */
export type Spawned = Pick<ChildProcess, 'exitCode' | 'signalCode' | 'kill' | 'on'> & { stdout: NodeJS.ReadableStream; stderr: NodeJS.ReadableStream };

/** spawnProgram()'s shape, for callers that take it as a seam (a stand-in in tests). */
export type Spawner = (argv: readonly string[]) => Spawned;

/**
 * Starts a long-running program (`kubectl port-forward`) without a shell, standard input
 * closed, output piped; the caller supervises it, restarts it and stops it.
 */
export const spawnProgram: Spawner = (argv) => spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: process.env }) as Spawned;

export interface SpawnedGroup {
  child: Spawned;
  /** Stops the program and every process it started (SIGTERM to the group, SIGKILL after `graceMs`). */
  stop(graceMs?: number): void;
  /** Synchronous SIGKILL of the whole group, for exit handlers. */
  killNow(): void;
}

/** A long-running program that starts others (a nested `nx run`), in its own process group. */
export function spawnGroup(argv: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): SpawnedGroup {
  const child = spawn(argv[0], argv.slice(1), { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const signal = (s: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, s);
    } catch {
      // The group has ended already.
    }
  };
  return {
    child: child as Spawned,
    stop(graceMs = 10_000) {
      signal('SIGTERM');
      setTimeout(() => signal('SIGKILL'), graceMs).unref();
    },
    killNow: () => signal('SIGKILL'),
  };
}

/** Whether a process with this pid runs (EPERM: it does, as another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
