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
