import type { Hash, HasherContext, Task } from '@nx/devkit';
import { Helm } from '../../adapters/helm';
import { run } from '../../adapters/run';
import { pluginDigest } from '../../cache';
import { combine, hasherEnv } from '../hashing';

/** A verdict depends on the rules (the plugin's code) and on the helm that renders the chart. */
export default async function validateHasher(task: Task, context: HasherContext): Promise<Hash> {
  const base = await context.hasher.hashTask(task, context.taskGraph, hasherEnv(context));
  // No helm: validate will say so; the hash only has to differ from one with helm.
  const helm = await new Helm(run, '').version().catch(() => 'no helm');
  return { value: combine(base.value, pluginDigest(), helm), details: { ...base.details, nodes: { ...(base.details?.nodes ?? {}), 'nx-k8s:helm': helm } } };
}
