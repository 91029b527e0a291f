// A throwaway git clone of the workspace, driven with the real nx CLI, and Nx's own record
// of each run (task_history in its workspace database): which tasks ran, which were cache hits.
import execa from 'execa';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { homedir, tmpdir } from 'os';
import { dirname, join, relative, resolve } from 'path';

export const repoRoot = resolve(__dirname, '../../../..');
export const localCluster = join(repoRoot, 'tools/local-cluster/local-cluster');
export const kindCluster = join(repoRoot, 'tools/kind/kind-cluster');
export const minikubeCluster = join(repoRoot, 'tools/minikube/minikube-cluster');

export type TaskStatus = 'success' | 'failure' | 'local-cache' | 'local-cache-kept-existing' | 'remote-cache' | 'skipped';

export interface NxRun {
  exitCode: number;
  output: string;
  /** task id (project:target) -> status, from Nx's task_history. */
  tasks: Map<string, TaskStatus>;
  seconds: number;
}

/**
 * The clone uses the installed packages, but its own workspace packages: a symlink to the
 * whole node_modules would resolve nx-k8s to the source repository's libs/ (the
 * workspace link is relative to where it really lives), so every clone would test the
 * repository's working tree instead of its own commit.
 */
function linkNodeModules(clone: string) {
  const from = join(repoRoot, 'node_modules');
  const to = join(clone, 'node_modules');
  const workspace = dirname(realpathSync(from));
  const link = (name: string) => {
    const real = realpathSync(join(from, name));
    // A workspace package (libs/nx-k8s, apps/*), relative to the workspace that really holds node_modules.
    const inWorkspace = relative(workspace, real);
    const own = !inWorkspace.startsWith('..') && !inWorkspace.startsWith('node_modules');
    symlinkSync(own ? join(clone, inWorkspace) : join(from, name), join(to, name));
  };
  mkdirSync(to);
  for (const name of readdirSync(from)) {
    if (!name.startsWith('@')) {
      link(name);
      continue;
    }
    mkdirSync(join(to, name));
    for (const scoped of readdirSync(join(from, name))) link(join(name, scoped));
  }
}

export class Workspace {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;

  /**
   * `shared`: keep Nx's default locations, where Nx 23 shares one cache and one database per
   * repository (~/.nx/<id>/) between every clone and worktree: what a team cache does to
   * the cache decision. Otherwise the clone gets a cache and database of its own.
   */
  /** The nx this workspace runs: the source repository's for its clones, a new workspace's own. */
  private readonly nxBin: string;

  constructor(
    kubeconfig: string,
    readonly shared = false,
    /** An existing workspace (made by the test) instead of a clone of this repository. */
    existing?: string,
  ) {
    if (existing) {
      this.dir = existing;
      this.nxBin = join(existing, 'node_modules/.bin/nx');
    } else {
      this.dir = join(mkdtempSync(join(tmpdir(), 'nx-k8s-e2e-')), 'ws');
      this.nxBin = join(repoRoot, 'node_modules/.bin/nx');
      execa.sync('git', ['clone', '-q', repoRoot, this.dir]);
      linkNodeModules(this.dir);
    }
    this.git(['config', 'user.email', 'e2e@nx-k8s.test']);
    this.git(['config', 'user.name', 'nx-k8s e2e']);
    // Not the variables of the nx that runs this suite: NX_INVOCATION_ROOT_PID would make every
    // nx started here one "chain" with it, and a killed run's leftover registration then reads
    // as a recursive task invocation.
    const outer = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^NX_(INVOCATION_ROOT_PID|TASK_|TERMINAL_|STREAM_OUTPUT|PREFIX_OUTPUT|WORKSPACE_ROOT)/.test(k)),
    );
    this.env = {
      ...outer,
      KUBECONFIG: kubeconfig,
      NX_DAEMON: 'false',
      NX_TUI: 'false',
      NX_NO_CLOUD: 'true',
      // Cache and Nx's database inside the clone, so each run's record can be read back.
      ...(shared ? {} : { NX_CACHE_DIRECTORY: join(this.dir, '.nx/cache'), NX_WORKSPACE_DATA_DIRECTORY: join(this.dir, '.nx/workspace-data') }),
      PATH: `/var/cache/nx-k8s/bin:${process.env.PATH}`,
    };
  }

  git(args: string[]) {
    return execa.sync('git', args, { cwd: this.dir });
  }

  read(file: string) {
    return readFileSync(join(this.dir, file), 'utf8');
  }

  write(file: string, text: string) {
    mkdirSync(dirname(join(this.dir, file)), { recursive: true });
    writeFileSync(join(this.dir, file), text);
  }

  commit(message: string) {
    this.git(['add', '-A']);
    this.git(['commit', '-qm', message]);
  }

  async nx(args: string[], env: NodeJS.ProcessEnv = {}): Promise<NxRun> {
    return this.finish(this.start(args, env));
  }

  /** Starts nx in its own process group (so a test can signal it as a terminal would) with its output collected. */
  start(args: string[], env: NodeJS.ProcessEnv = {}) {
    const started = Date.now();
    // Only commands that run tasks know --outputStyle: a generator's schema refuses it.
    const runsTasks = !['g', 'generate', 'add', 'show', 'graph'].includes(args[0]);
    const child = execa(this.nxBin, runsTasks ? [...args, '--outputStyle=stream'] : args, {
      cwd: this.dir,
      env: { ...this.env, ...env },
      reject: false,
      all: true,
      detached: true,
    });
    const run = { child, started, output: '' };
    child.all!.on('data', (b: Buffer) => (run.output += b.toString()));
    return run;
  }

  /** Resolves when the running nx prints `pattern`; fails (with its output) when it ends first or after `timeoutMs`. */
  async until(run: ReturnType<Workspace['start']>, what: string, pattern: RegExp, timeoutMs = 300_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    let poll: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        new Promise<void>((resolve) => (poll = setInterval(() => pattern.test(run.output) && resolve(), 50))),
        run.child.then(() => Promise.reject(new Error(`nx ended before ${what}:\n${run.output.slice(-3000)}`))),
        new Promise<void>(
          (_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs / 1000} s:\n${run.output.slice(-3000)}`)), timeoutMs)),
        ),
      ]);
    } finally {
      clearInterval(poll);
      clearTimeout(timer);
    }
  }

  /**
   * Waits for nx to end. After a SIGKILL, Nx's task processes (their own process groups) may
   * still hold its output open: once nx itself has exited, its output is not waited for
   * longer than a few seconds.
   */
  async finish(run: ReturnType<Workspace['start']>): Promise<NxRun> {
    const exited = new Promise<void>((resolve) =>
      run.child.exitCode !== null || run.child.signalCode !== null ? resolve() : run.child.once('exit', () => resolve()),
    );
    await exited;
    const grace = setTimeout(() => [run.child.stdout, run.child.stderr, run.child.all].forEach((s) => s?.destroy()), 5000);
    const r = await run.child;
    clearTimeout(grace);
    return { exitCode: r.exitCode ?? -1, output: run.output, tasks: await this.tasksSince(run.started), seconds: (Date.now() - run.started) / 1000 };
  }

  /** Nx's record of the tasks of runs that started after `since`. */
  async tasksSince(since: number): Promise<Map<string, TaskStatus>> {
    const dbs = this.shared ? `${homedir()}/.nx/*/databases/*.db` : `${join(this.dir, '.nx/workspace-data')}/*.db`;
    const sql = `select d.project || ':' || d.target, h.status from task_history h join task_details d on d.hash = h.hash where h.start >= ${since - 1000} order by h.id`;
    // Every database there: a command that ran no task (nx add, nx show) may have made a newer
    // one without Nx's tables.
    const script = [
      'import glob, sqlite3, sys',
      'for db in sorted(glob.glob(sys.argv[1]), key=lambda f: __import__("os").path.getmtime(f)):',
      '    try: rows = sqlite3.connect(db).execute(sys.argv[2]).fetchall()',
      '    except sqlite3.OperationalError: continue',
      '    for r in rows: print(r[0] + "\\t" + r[1])',
    ].join('\n');
    const out = execa.sync('python3', ['-c', script, dbs, sql]).stdout;
    const m = new Map<string, TaskStatus>();
    for (const line of out.split('\n').filter(Boolean)) {
      const [id, status] = line.split('\t');
      m.set(id, status as TaskStatus);
    }
    return m;
  }

  remove() {
    rmSync(resolve(this.dir, '..'), { recursive: true, force: true });
  }
}

/** Tasks that did work (not served from the cache). */
export function executed(run: NxRun): string[] {
  return [...run.tasks]
    .filter(([, s]) => s === 'success' || s === 'failure')
    .map(([id]) => id)
    .sort();
}

export function cached(run: NxRun): string[] {
  return [...run.tasks]
    .filter(([, s]) => s.includes('cache'))
    .map(([id]) => id)
    .sort();
}
