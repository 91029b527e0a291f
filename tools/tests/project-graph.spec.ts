// The Nx project graph the deploy relies on: the chart's project depends on both apps, so
// deploying it builds and loads their images first.
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { lastLines, nx } from './support/workspace';

const tmp = mkdtempSync(join(tmpdir(), 'workspace-tests-graph-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function nxOk(args: string[]): Promise<string> {
  const r = await nx(args);
  if (r.exitCode !== 0) throw new Error(`nx ${args.join(' ')} exited with ${r.exitCode}:\n${lastLines(r.stderr || r.stdout, 20)}`);
  return r.stdout;
}

/** Every task reachable from `start` in a task graph's dependency map. */
function reachable(dependencies: Record<string, string[]>, start: string): Set<string> {
  const seen = new Set<string>();
  const todo = [start];
  while (todo.length) {
    for (const next of dependencies[todo.pop()!] ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        todo.push(next);
      }
    }
  }
  return seen;
}

describe('Nx project graph', () => {
  it('lists the apps, the chart and the tooling as projects, and nothing inferred from fixtures', async () => {
    const projects = (await nxOk(['show', 'projects']))
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    // Exactly these: the smoke test's own Dockerfile and chart are fixtures, excluded from inference in nx.json.
    expect(projects.sort()).toEqual(['backend', 'deploy-e2e', 'frontend', 'local-cluster', 'nx-k8s', 'todo-app', 'workspace-tests']);
  }, 120_000);

  it('makes frontend and backend dependencies of todo-app', async () => {
    const file = join(tmp, 'graph.json');
    await nxOk(['graph', `--file=${file}`]);
    const graph = JSON.parse(readFileSync(file, 'utf8')).graph as { dependencies: Record<string, Array<{ target: string }>> };
    const targets = (graph.dependencies['todo-app'] ?? []).map((d) => d.target);
    expect(targets).toEqual(expect.arrayContaining(['frontend', 'backend']));
  }, 120_000);

  it('deploying todo-app builds and loads both images first', async () => {
    const file = join(tmp, 'tasks.json');
    // --graph writes the task graph without running any task.
    await nxOk(['run', 'todo-app:deploy', `--graph=${file}`]);
    const tasks = JSON.parse(readFileSync(file, 'utf8')).tasks as { dependencies: Record<string, string[]> };
    const before = reachable(tasks.dependencies, 'todo-app:deploy');
    for (const app of ['frontend', 'backend']) {
      expect(before).toContain(`${app}:docker-build`);
      expect(before).toContain(`${app}:minikube-load`);
      // The image is built before it is loaded.
      expect(reachable(tasks.dependencies, `${app}:minikube-load`)).toContain(`${app}:docker-build`);
    }
  }, 120_000);
});
