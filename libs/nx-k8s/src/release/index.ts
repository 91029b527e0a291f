// The release stage: helm upgrade --install with the full set of values, our own rollout
// check, and a rollback (or, for a first install, an uninstall) when it fails.
import { Helm, ReleaseInfo } from '../adapters/helm';
import { Runner } from '../adapters/run';
import { Cluster } from '../cluster';
import { mask } from '../secrets';
import { markDependenciesBuilt, needsDependencyBuild } from './dependencies';
import { DesiredState, descriptionFor, desiredDigest } from './desired';
import { RolloutFailedError, waitForRollout } from './rollout';

export * from './desired';

export interface ReleaseSpec extends DesiredState {
  release: string;
  namespace: string;
  createNamespace: boolean;
  timeoutSeconds: number;
  /** Secrets as a values file path, or null. */
  secretsFile: string | null;
}

export type ReleaseResult = { action: 'installed' | 'upgraded' | 'up to date'; revision: number; waitedSeconds: number };

export class ReleaseStuckError extends Error {
  constructor(r: ReleaseInfo) {
    const fix = r.status === 'pending-install' ? `helm uninstall ${r.name} -n ${r.namespace}` : `helm rollback ${r.name} -n ${r.namespace}`;
    super(`release ${r.name} in namespace ${r.namespace} is stuck in ${r.status} (revision ${r.revision}): an earlier helm operation was interrupted and helm refuses new ones. Fix: ${fix}, then deploy again`);
  }
}

/** Whether the cluster already runs the desired state: release deployed with our digest and its Deployments available. */
export async function releaseInSync(cluster: Cluster, helm: Helm, release: string, namespace: string, digest: string): Promise<boolean> {
  const [info, deployments] = await Promise.all([
    helm.status(release, namespace),
    cluster.kubectl.json<{ items: any[] }>(['get', 'deployments', '-n', namespace, '-l', `app.kubernetes.io/instance=${release}`]),
  ]);
  if (!info || info.status !== 'deployed' || info.description !== descriptionFor(digest)) return false;
  return deployments.items.every((d) => (d.status?.conditions ?? []).some((c: any) => c.type === 'Available' && c.status === 'True'));
}

export async function deployRelease(spec: ReleaseSpec, cluster: Cluster, run: Runner, log: (l: string) => void): Promise<ReleaseResult> {
  const helm = new Helm(run, cluster.context.name);
  const digest = desiredDigest(spec);
  const before = await helm.status(spec.release, spec.namespace);
  if (before?.status.startsWith('pending-')) throw new ReleaseStuckError(before);
  if (before && (await releaseInSync(cluster, helm, spec.release, spec.namespace, digest))) {
    return { action: 'up to date', revision: before.revision, waitedSeconds: 0 };
  }
  // A release whose every revision failed cannot be upgraded; start it over.
  const history = before ? await helm.history(spec.release, spec.namespace) : [];
  const lastGood = [...history].reverse().find((h) => h.status === 'deployed' || h.status === 'superseded');
  if (before && !lastGood) {
    log(`release ${spec.release} has no successful revision: uninstalling it before installing again`);
    await helm.uninstall(spec.release, spec.namespace);
  }

  if (needsDependencyBuild(spec.chartDir)) {
    log(`helm dependency build ${spec.chartDir} (a subchart changed)`);
    await helm.dependencyBuild(spec.chartDir);
    markDependenciesBuilt(spec.chartDir);
  }

  const installing = !before || !lastGood;
  log(`${installing ? 'installing' : 'upgrading'} release ${spec.release} in namespace ${spec.namespace} (context ${cluster.context.name})`);
  const r = await helm.upgrade({
    release: spec.release,
    chart: spec.chartDir,
    namespace: spec.namespace,
    valuesFiles: spec.secretsFile ? [...spec.valuesFiles, spec.secretsFile] : spec.valuesFiles,
    set: spec.set,
    setString: spec.setString,
    description: descriptionFor(digest),
    createNamespace: spec.createNamespace,
    timeoutSeconds: spec.timeoutSeconds,
  });
  if (r.exitCode !== 0) {
    const after = await helm.status(spec.release, spec.namespace).catch(() => null);
    await undo(helm, spec, installing ? null : lastGood!.revision, after, log);
    throw new Error(`helm upgrade --install ${spec.release} failed: ${mask((r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n'))}`);
  }
  const after = (await helm.status(spec.release, spec.namespace))!;
  const waitStarted = Date.now();
  try {
    await waitForRollout(cluster.kubectl, { namespace: spec.namespace, release: spec.release, timeoutSeconds: spec.timeoutSeconds }, log);
  } catch (e) {
    if (!(e instanceof RolloutFailedError)) throw e;
    const how = await undo(helm, spec, installing ? null : lastGood!.revision, after, log);
    throw new Error(`release ${spec.release} revision ${after.revision} did not become ready; ${how}:\n  ${mask(e.lines.join('\n  '))}`);
  }
  return { action: installing ? 'installed' : 'upgraded', revision: after.revision, waitedSeconds: (Date.now() - waitStarted) / 1000 };
}

/** Leaves the cluster as it was: roll back to the last good revision, or remove a failed first install. */
async function undo(helm: Helm, spec: ReleaseSpec, lastGood: number | null, after: ReleaseInfo | null, log: (l: string) => void): Promise<string> {
  if (lastGood !== null) {
    log(`rolling back release ${spec.release} to revision ${lastGood}`);
    // The old revision's pods were ready before: give them time to be again, even when the
    // failed rollout had a short timeout.
    const r = await helm.rollback(spec.release, spec.namespace, lastGood, Math.max(spec.timeoutSeconds, 180));
    return r.exitCode === 0 ? `rolled back to revision ${lastGood}` : `rollback to revision ${lastGood} FAILED (${r.stderr.trim()}); run helm rollback ${spec.release} ${lastGood} -n ${spec.namespace}`;
  }
  if (after) {
    log(`uninstalling the failed first install of ${spec.release}`);
    await helm.uninstall(spec.release, spec.namespace);
    return 'the failed first install was uninstalled';
  }
  return 'nothing was installed';
}
