import type { Hash, HasherContext, Task } from '@nx/devkit';
import { workspaceRoot } from '@nx/devkit';
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { baseImages } from '../../validate/rules/dockerfile';
import { pluginDigest } from '../../cache';
import { combine, hasherEnv, targetOptions } from '../hashing';
import { baseImageReads, prefetch } from '../reads';
import { DockerBuildExecutorSchema } from './schema';

/**
 * The tag is derived from this hash, so it must cover everything the image is made of.
 * Nx's inputs cover the files and options; a base image can change under the same name (a
 * rebuilt local base), so the ID of every image the build starts from (each FROM, with the
 * build args over the Dockerfile's ARG defaults, and any image a build arg names) joins the
 * hash, and so does the plugin's own code (it decides how the image is built).
 */
export default async function dockerBuildHasher(task: Task, context: HasherContext): Promise<Hash> {
  prefetch(context);
  const base = await context.hasher.hashTask(task, context.taskGraph, hasherEnv(context));
  const o = targetOptions<DockerBuildExecutorSchema>(task, context);
  const named = Object.values(o.buildArgs ?? {}).filter((v) => /^[a-z0-9][\w./-]*:[\w.-]+$/.test(v));
  const dockerfile = o.dockerfile ? join(workspaceRoot, o.dockerfile) : '';
  // A missing Dockerfile: the build says so; the hash only has to be computable.
  const from = dockerfile && existsSync(dockerfile) ? baseImages(readFileSync(dockerfile, 'utf8'), o.buildArgs ?? {}) : [];
  const images = [...new Set([...named, ...from])].sort();
  const ids = await Promise.all(images.map(async (i) => `${i}=${(await baseImageReads(context, i)) ?? 'absent'}`));
  return {
    value: combine(base.value, pluginDigest(), ...ids),
    details: { ...base.details, nodes: { ...(base.details?.nodes ?? {}), 'nx-k8s:base-images': combine(...ids) } },
  };
}
