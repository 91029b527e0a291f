import type { Hash, HasherContext, Task, TaskGraph } from '@nx/devkit';
import { workspaceRoot } from '@nx/devkit';
import { randomUUID } from 'crypto';
import { tagFromTaskHash } from '../../image/tag';
import dockerBuildHasher from '../docker-build/hasher';
import { hasherEnv, targetOptions } from '../hashing';
import { normalizeStatusOptions } from './normalize';
import { StatusExecutorSchema } from './schema';
import { handTags, WorkspaceTags } from './workspace-tags';

/** The docker-build task as Nx would make it in a run of the deploy graph. */
function buildTask(project: string, target: string, root: string): { task: Task; graph: TaskGraph } {
  const id = `${project}:${target}`;
  const task: Task = { id, target: { project, target }, overrides: {}, outputs: [], projectRoot: root, cache: true, parallelism: true } as Task;
  return { task, graph: { roots: [id], tasks: { [id]: task }, dependencies: { [id]: [] }, continuousDependencies: { [id]: [] } } as TaskGraph };
}

/**
 * status is never cached: its hash is new each run. Computing it is the only moment Nx's task
 * hasher is at hand, so the image tags the workspace would deploy are computed here, exactly as
 * docker-build's hasher computes them, and handed to the executor (workspace-tags.ts).
 */
export default async function statusHasher(task: Task, context: HasherContext): Promise<Hash> {
  const env = hasherEnv(context);
  const value = randomUUID().replace(/-/g, '');
  const projects = context.projectsConfigurations.projects;
  const tags: WorkspaceTags = {};
  try {
    const o = normalizeStatusOptions(
      targetOptions<StatusExecutorSchema>(task, context),
      task.target.project,
      task.target.configuration,
      projects,
      workspaceRoot,
    );
    for (const app of o.apps) {
      const { task: build, graph } = buildTask(app.project, app.buildTarget, projects[app.project].root);
      tags[app.project] = tagFromTaskHash((await dockerBuildHasher(build, { ...context, taskGraph: graph })).value);
    }
    handTags(value, tags, env);
  } catch {
    // The executor then says the workspace's state is unknown, and why it thinks so.
  }
  return { value, details: { command: value, nodes: {}, implicitDeps: {}, runtime: {} } };
}
