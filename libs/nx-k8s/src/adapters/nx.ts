// Nx adapter: the argument array and environment of one `nx run` of the workspace's own task
// graph (dev's deploy cycle), run by the workspace's Nx CLI; run.ts's spawnGroup starts it.

/** The workspace's Nx CLI entry. */
export function nxCli(root: string): string {
  return require.resolve('nx/bin/nx.js', { paths: [root] });
}

export function nxRunArgv(cli: string, task: { project: string; target: string; configuration?: string }): string[] {
  const name = [task.project, task.target, ...(task.configuration ? [task.configuration] : [])].join(':');
  // stream: every line prefixed with its task, as it comes (no TUI, no grouping at the end).
  return [process.execPath, cli, 'run', name, '--output-style=stream'];
}

// What Nx sets for the task that runs dev; the nested run sets its own for the tasks it runs.
const TASK_ENV = /^NX_(TASK_|CLI_SET$|INVOCATION_ROOT_PID$|LOAD_DOT_ENV_FILES$|SKIP_NX_CACHE$|STREAM_OUTPUT$|PREFIX_OUTPUT$|FORKED_TASK_EXECUTOR$)/;

export function nestedRunEnv(env: NodeJS.ProcessEnv, extra: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!TASK_ENV.test(k)) out[k] = v;
  // Its output is read line by line: no terminal UI.
  return { ...out, NX_TUI: 'false', ...extra };
}
