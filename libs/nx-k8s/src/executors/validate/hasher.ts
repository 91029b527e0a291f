import type { Hash, HasherContext, Task } from '@nx/devkit';
import { Helm } from '../../adapters/helm';
import { run } from '../../adapters/run';
import { pluginDigest } from '../../cache';
import { chooseKubeVersion } from '../../validate/kube-version';
import { combine, hasherEnv, targetOptions } from '../hashing';
import { prefetch, serverVersionReads } from '../reads';
import { ValidateExecutorSchema } from './schema';

/**
 * A verdict depends on the rules (the plugin's code), on the helm that renders the chart and on
 * the Kubernetes version it renders for: without option kubeVersion, the current context's
 * server, so another cluster's version is another verdict.
 */
export default async function validateHasher(task: Task, context: HasherContext): Promise<Hash> {
  prefetch(context);
  const env = hasherEnv(context);
  const base = await context.hasher.hashTask(task, context.taskGraph, env);
  // No helm: validate will say so; the hash only has to differ from one with helm.
  const option = targetOptions<ValidateExecutorSchema>(task, context).kubeVersion;
  const [helm, server] = await Promise.all([new Helm(run, '').version().catch(() => 'no helm'), option ? Promise.resolve(null) : serverVersionReads(context)]);
  const kube = chooseKubeVersion(option, server).version ?? "helm's default";
  return {
    value: combine(base.value, pluginDigest(), helm, kube),
    details: { ...base.details, nodes: { ...(base.details?.nodes ?? {}), 'nx-k8s:helm': helm, 'nx-k8s:kube-version': kube } },
  };
}
