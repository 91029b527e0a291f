import { repositoryProblem } from '../../image/naming';
import { BuildSpec } from '../../image/build';
import { recordPath } from '../../records';
import { DockerBuildExecutorSchema } from './schema';

export interface NormalizedBuild extends Omit<BuildSpec, 'tag'> {
  outputFile: string;
}

export function normalizeBuildOptions(o: DockerBuildExecutorSchema, project: string): NormalizedBuild {
  const repository = o.repository ?? project;
  const problem = repositoryProblem(repository);
  if (problem)
    throw new Error(
      `image repository '${repository}' (option repository of ${project}:docker-build) ${problem}. Fix: use a lowercase name such as ${repository.toLowerCase().replace(/[^a-z0-9._/-]/g, '-')}`,
    );
  return {
    dockerfile: o.dockerfile,
    context: o.context ?? '.',
    repository,
    buildArgs: o.buildArgs ?? {},
    target: o.target,
    outputFile: o.outputFile ?? recordPath(project, 'image'),
  };
}
