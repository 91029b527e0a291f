// The records the stages hand each other: docker-build's Docker Image record, minikube-load's
// cluster image, helm-install's release record. Each is its target's Nx output, so Nx caches
// and restores it; the next stage reads it. This module is the only place that knows their
// file names, where they live in the workspace and how they are written and read.
import { randomBytes } from 'crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'fs';
import { basename, dirname, join } from 'path';

/** Every kind of record and its file name. */
export const RECORD_FILES = {
  /** The Docker Image record (docker-build). */
  image: 'image.json',
  /** The image reference the cluster uses (minikube-load). */
  clusterImage: 'cluster-image.json',
  /** The release record (helm-install). */
  release: 'release.json',
  /**
   * The open forwards' addresses (port-forward, dev) while they serve. Not an Nx output: a
   * continuous task's, read by the tasks that depend on it (Nx gives those no readiness signal).
   */
  forwards: 'forwards.json',
} as const;

export type RecordKind = keyof typeof RECORD_FILES;

/** The workspace folder holding every project's records (git-ignored by the init generator). */
export const RECORDS_DIR = 'dist/nx-k8s';

/** Where a project's record lives, relative to the workspace root: dist/nx-k8s/<project>/<file>. */
export function recordPath(project: string, kind: RecordKind): string {
  return join(RECORDS_DIR, project, RECORD_FILES[kind]);
}

/** The record as an entry of its target's Nx `outputs`. */
export function recordOutput(kind: RecordKind): string {
  return `{workspaceRoot}/${RECORDS_DIR}/{projectName}/${RECORD_FILES[kind]}`;
}

/** The `dependentTasksOutputFiles` glob of a task whose hash covers its dependencies' records of this kind. */
export function dependentRecords(kind: RecordKind): string {
  return `**/${RECORD_FILES[kind]}`;
}

/**
 * Writes a record whole or not at all (temporary file, then rename): a task killed mid-write
 * leaves the previous record, never a truncated one that Nx would cache.
 */
export function writeRecord(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Reads a record another task wrote; `whatFix` says how to write it again ("run nx run app:docker-build"). */
export function readRecord<T>(file: string, whatFix: string): T {
  if (!existsSync(file)) throw new Error(`${file} does not exist. Fix: ${whatFix}`);
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    // A hand edit, or a record an older version wrote in place and was killed mid-write.
    throw new Error(`${file} is not valid JSON (${(e as Error).message}). Fix: delete it, then ${whatFix}`, { cause: e });
  }
}
