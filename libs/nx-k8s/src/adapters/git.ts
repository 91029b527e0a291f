// git adapter: which files are committed (tracked), for the Secret rule "should not be committed
// to version control".
import { ProgramNotFoundError, Runner } from './run';

export function lsFilesArgv(paths: readonly string[]): string[] {
  return ['ls-files', '-z', '--', ...paths];
}

/** Workspace-relative paths git tracks among `paths` (files or directories); null outside a git repository. */
export async function trackedFiles(run: Runner, root: string, paths: readonly string[]): Promise<Set<string> | null> {
  try {
    const r = await run('git', lsFilesArgv(paths), { cwd: root, timeout: 10_000 });
    return r.exitCode === 0 ? new Set(r.stdout.split('\0').filter(Boolean)) : null;
  } catch (e) {
    if (e instanceof ProgramNotFoundError) return null;
    throw e;
  }
}

export function listFilesArgv(paths: readonly string[]): string[] {
  return ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', ...paths];
}

/** Files git tracks or would track (untracked and not ignored) under `paths`, workspace-relative. */
export async function workspaceFiles(run: Runner, root: string, paths: readonly string[]): Promise<string[]> {
  const r = await run('git', listFilesArgv(paths), { cwd: root, timeout: 30_000 });
  if (r.exitCode !== 0)
    throw new Error(
      `git ls-files in ${root} failed (${r.stderr.trim().split('\n')[0]}): dev watches the files git lists. Fix: run it in a git repository (git init)`,
    );
  return r.stdout.split('\0').filter(Boolean);
}

// Without --no-index: a tracked file is never ignored, whatever the patterns say.
export const CHECK_IGNORE_ARGV = ['check-ignore', '--stdin', '-z'];

/** Which of `paths` (workspace-relative, existing or not) git ignores. */
export async function ignoredPaths(run: Runner, root: string, paths: readonly string[]): Promise<Set<string>> {
  if (!paths.length) return new Set();
  const r = await run('git', CHECK_IGNORE_ARGV, { cwd: root, input: paths.join('\0') + '\0', timeout: 10_000 });
  // Exit 1: none of them is ignored.
  if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`git check-ignore in ${root} failed: ${r.stderr.trim().split('\n')[0]}`);
  return new Set(r.stdout.split('\0').filter(Boolean));
}
