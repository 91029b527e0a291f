// Nx's own hash of tasks in a workspace, computed by Nx's task hasher as `nx run` does before
// it runs them (the hash a custom hasher starts from), without running anything.
import execa from 'execa';
import { nxEnv } from './workspace';

export interface TaskHash {
  hash: string;
  /** Names of the hash's parts: files per project, "AllExternalDependencies", "npm:<package>", ... */
  nodes: string[];
}

// Runs in the workspace with its own nx (workspaceRoot is read from the working directory).
const SCRIPT = `
const root = process.cwd();
const nx = (m) => require(require.resolve(m, { paths: [root] }));
(async () => {
  const { createProjectGraphAsync } = nx('nx/src/project-graph/project-graph');
  const { readNxJson } = nx('nx/src/config/nx-json');
  const { createTaskHasher } = nx('nx/src/hasher/create-task-hasher');
  const { createTaskGraph } = nx('nx/src/tasks-runner/create-task-graph');
  const graph = await createProjectGraphAsync({ exitOnError: true });
  const hasher = createTaskHasher(graph, readNxJson());
  const out = {};
  for (const id of process.argv.slice(1)) {
    const [project, target] = id.split(':');
    const taskGraph = createTaskGraph(graph, {}, [project], [target], undefined, {}, true);
    const h = await hasher.hashTask(taskGraph.tasks[id], taskGraph, process.env);
    out[id] = { hash: h.value, nodes: Object.keys(h.details.nodes) };
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`;

export async function taskHashes(root: string, tasks: string[]): Promise<Record<string, TaskHash>> {
  const r = await execa(process.execPath, ['-e', SCRIPT, ...tasks], {
    cwd: root,
    env: nxEnv({ NX_CACHE_PROJECT_GRAPH: 'false' }),
    extendEnv: false,
    reject: false,
    timeout: 120_000,
  });
  if (r.exitCode !== 0) throw new Error(`hashing ${tasks.join(', ')} in ${root} failed (exit ${r.exitCode}):\n${r.stderr.slice(-3000)}`);
  return JSON.parse(r.stdout) as Record<string, TaskHash>;
}
