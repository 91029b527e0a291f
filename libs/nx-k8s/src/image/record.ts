// The Docker Image record of the data model, written by docker-build as its Nx output and
// read by every later stage (where and how: src/records). Nx restores it from cache; the
// image itself may be gone.
import { Builder, ImageInspect } from '../adapters/docker';

export interface ImageRecord {
  repository: string;
  tag: string;
  /** repository:tag */
  ref: string;
  /** Docker image ID (sha256 of the config). */
  id: string;
  /** Registry digest when the image was pushed, else null. */
  digest: string | null;
  size: number;
  created: string;
  layers: string[];
  dockerfile: string;
  builder: Builder;
}

export function toRecord(repository: string, tag: string, inspect: ImageInspect, dockerfile: string, builder: Builder): ImageRecord {
  return {
    repository,
    tag,
    ref: `${repository}:${tag}`,
    id: inspect.id,
    digest: inspect.repoDigests.find((d) => d.startsWith(`${repository}@`))?.split('@')[1] ?? null,
    size: inspect.size,
    created: inspect.created,
    layers: inspect.layers,
    dockerfile,
    builder,
  };
}
