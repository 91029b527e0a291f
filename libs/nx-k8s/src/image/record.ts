// The Docker Image record of the data model, written by docker-build as its Nx output and
// read by every later stage. Nx restores it from cache; the image itself may be gone.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { dirname } from 'path';
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

export function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

/** Reads a record another task wrote; `whatFix` says how to write it again ("run nx run app:docker-build"). */
export function readJson<T>(file: string, whatFix: string): T {
  if (!existsSync(file)) throw new Error(`${file} does not exist. Fix: ${whatFix}`);
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    // A truncated write (disk full, killed mid-write) or a hand edit.
    throw new Error(`${file} is not valid JSON (${(e as Error).message}). Fix: delete it, then ${whatFix}`);
  }
}
