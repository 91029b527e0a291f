import { recordPath } from '../../records';
import { MinikubeLoadExecutorSchema } from './schema';

export type NormalizedLoad = Required<Pick<MinikubeLoadExecutorSchema, 'imageFile' | 'outputFile' | 'buildTarget'>> & MinikubeLoadExecutorSchema;

export function normalizeLoadOptions(o: MinikubeLoadExecutorSchema, project: string): NormalizedLoad {
  return {
    ...o,
    imageFile: o.imageFile ?? recordPath(project, 'image'),
    outputFile: o.outputFile ?? recordPath(project, 'clusterImage'),
    buildTarget: o.buildTarget ?? 'docker-build',
  };
}
