// The process boundary: the only module that starts external programs. Every adapter
// builds an argument array and calls run(); nothing here ever goes through a shell.
import execa from 'execa';
import { logger } from '@nx/devkit';
import { mask } from '../secrets/mask';

export interface RunOptions {
  /** Text written to the program's standard input. */
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Milliseconds before the program is killed. */
  timeout?: number;
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

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join('\n');
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
  if (r.timedOut) {
    throw new CommandError([program, ...args], { exitCode: -1, stdout: r.stdout, stderr: `timed out after ${options.timeout} ms\n${r.stderr}` });
  }
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
};

/** run(), but a non-zero exit throws a CommandError carrying the program's stderr. */
export async function runOk(runner: Runner, program: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
  const r = await runner(program, args, options);
  if (r.exitCode !== 0) throw new CommandError([program, ...args], r);
  return r;
}

/** Pipes `from`'s standard output into `to`'s standard input (`docker save X | ctr import -`) without a shell. */
export async function pipe(from: readonly string[], to: readonly string[]): Promise<{ from: RunResult; to: RunResult }> {
  logger.verbose(`nx-k8s: $ ${mask(from.join(' '))} | ${mask(to.join(' '))}`);
  const producer = execa(from[0], from.slice(1), { reject: false, buffer: false, stdout: 'pipe', stderr: 'pipe' });
  const consumer = execa(to[0], to.slice(1), { reject: false, stdin: 'pipe' });
  let producerErr = '';
  producer.stderr?.on('data', (b: Buffer) => (producerErr += b.toString()));
  producer.stdout?.pipe(consumer.stdin!);
  const [p, c] = await Promise.all([producer, consumer]);
  return {
    from: { exitCode: p.exitCode ?? -1, stdout: '', stderr: producerErr },
    to: { exitCode: c.exitCode ?? -1, stdout: c.stdout, stderr: c.stderr },
  };
}
