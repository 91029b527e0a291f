// The workspace under test and the programs the specs run in it (argv arrays, never a shell).
import { resolve } from 'path';
import execa from 'execa';

export const WORKSPACE = resolve(__dirname, '../../..');

export interface Result {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment for an nx started from inside a test: no daemon, no TUI, and none of the
 * variables an outer `nx run workspace-tests:...` sets for its own task.
 */
export function nxEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('NX_TASK_')) env[k] = v;
  return { ...env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true', ...extra };
}

/** `npx nx ARGS` in the workspace; a non-zero exit is a result, not an error. */
export async function nx(args: string[], options: { timeout?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  const r = await execa('npx', ['--no-install', 'nx', ...args], {
    cwd: WORKSPACE,
    env: nxEnv(options.env),
    extendEnv: false,
    reject: false,
    timeout: options.timeout ?? 120_000,
    all: false,
  });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a program; a non-zero exit is a result, not an error. */
export async function run(program: string, args: string[], options: execa.Options = {}): Promise<Result> {
  const r = await execa(program, args, { cwd: WORKSPACE, reject: false, ...options });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** Runs a program and throws with its output when it fails. */
export async function runOk(program: string, args: string[], options: execa.Options = {}): Promise<Result> {
  const r = await run(program, args, options);
  if (r.exitCode !== 0) throw new Error(`${program} ${args.join(' ')} exited with ${r.exitCode}:\n${lastLines(r.stderr || r.stdout, 30)}`);
  return r;
}

export function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}
