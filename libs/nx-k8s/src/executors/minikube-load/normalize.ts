import { recordPath } from '../context';
import { MinikubeLoadExecutorSchema } from './schema';

export type NormalizedLoad = Required<Pick<MinikubeLoadExecutorSchema, 'imageFile' | 'outputFile' | 'buildTarget'>> & MinikubeLoadExecutorSchema;

export function normalizeLoadOptions(o: MinikubeLoadExecutorSchema, project: string): NormalizedLoad {
  return {
    ...o,
    imageFile: o.imageFile ?? recordPath(project, 'image.json'),
    outputFile: o.outputFile ?? recordPath(project, 'cluster-image.json'),
    buildTarget: o.buildTarget ?? 'docker-build',
  };
}
