// The release stage: helm upgrade --install with the full set of values, our own rollout
// check, and a rollback (or, for a failed first install, an uninstall) when it fails. What
// to do is decided by planRelease from what the cluster holds; deployRelease does it.
import { Helm, parseManifest, ReleaseInfo, ReleaseStatus } from '../adapters/helm';
import { Runner } from '../adapters/run';
import { Cluster } from '../cluster';
import { mask } from '../secrets';
import { markDependenciesBuilt, needsDependencyBuild } from './dependencies';
import { descriptionFor } from './desired';
import { workloadProgress } from './diagnose';
import { listWorkloads, RolloutFailedError, waitForRollout, WorkloadLister } from './rollout';
import { manifestWorkloads } from './workloads';

export * from './desired';

export interface ReleaseSpec {
  chartDir: string;
  valuesFiles: string[];
  /** The values document for helm's standard input (set, images, secrets), or null. */
  stdinValues: string | null;
  digest: string;
  release: string;
  namespace: string;
  createNamespace: boolean;
  timeoutSeconds: number;
}

export type ReleaseResult = { action: 'installed' | 'upgraded' | 'up to date'; revision: number; waitedSeconds: number };

export class ReleaseStuckError extends Error {
  constructor(r: ReleaseInfo) {
    const fix = r.status === 'pending-install' ? `helm uninstall ${r.name} -n ${r.namespace}` : `helm rollback ${r.name} -n ${r.namespace}`;
    super(
      `release ${r.name} in namespace ${r.namespace} is stuck in ${r.status} (revision ${r.revision}): an earlier helm operation was interrupted and helm refuses new ones. Fix: ${fix}, then deploy again`,
    );
  }
}

/** Where a release is read from: helm and kubectl, or in the hashers the API (adapters/kube-api.ts). */
export interface ReleaseSource {
  helm: Pick<Helm, 'status'>;
  workloads: WorkloadLister;
}

/** What the cluster holds of a release: helm's record and, when deployed, its workloads as they are. */
export interface ReleaseReading {
  info: ReleaseInfo | null;
  /** Every workload the deployed manifest names is present and rolled out. */
  rolledOut: boolean;
}

/**
 * Read without knowing the desired state, so the hasher can ask before the run's images are
 * known: every workload the manifest names present and rolled out (a Deployment's newest
 * ReplicaSet available, as the rollout wait requires), not merely Available: a deploy killed
 * mid-rollout leaves old pods serving, and a workload deleted by hand must be put back.
 * Given the digest, a release deployed with another one is not listed further.
 */
export async function readRelease(from: ReleaseSource, release: string, namespace: string, digest?: string): Promise<ReleaseReading> {
  const info = await from.helm.status(release, namespace);
  if (!info || info.status !== 'deployed' || (digest && info.description !== descriptionFor(digest))) return { info, rolledOut: false };
  const { workloads, missing, replicaSets } = await listWorkloads(from.workloads, manifestWorkloads(parseManifest(info.manifest), namespace), false);
  return { info, rolledOut: missing.length === 0 && workloads.every((w) => workloadProgress(w, replicaSets).ready) };
}

/** Whether the cluster already runs the desired state: the release deployed with this digest, its workloads rolled out. */
export function inSyncWith(r: ReleaseReading, digest: string): boolean {
  return r.info?.status === 'deployed' && r.info.description === descriptionFor(digest) && r.rolledOut;
}

export async function releaseInSync(cluster: Cluster, helm: Helm, release: string, namespace: string, digest: string): Promise<boolean> {
  return inSyncWith(await readRelease({ helm, workloads: cluster.kubectl }, release, namespace, digest), digest);
}

export type ReleasePlan =
  | { action: 'up to date' }
  | { action: 'stuck' }
  | { action: 'install' }
  /** Every revision failed: helm cannot upgrade it, so it is removed and installed again. */
  | { action: 'reinstall' }
  | { action: 'upgrade'; lastGood: number };

/** Pure: what to do given the release as it is (called while holding the release's lock). */
export function planRelease(current: ReleaseInfo | null, history: Array<{ revision: number; status: ReleaseStatus }>, inSync: boolean): ReleasePlan {
  if (!current) return { action: 'install' };
  if (current.status.startsWith('pending-')) return { action: 'stuck' };
  if (inSync) return { action: 'up to date' };
  const lastGood = [...history].reverse().find((h) => h.status === 'deployed' || h.status === 'superseded');
  return lastGood ? { action: 'upgrade', lastGood: lastGood.revision } : { action: 'reinstall' };
}

export async function deployRelease(spec: ReleaseSpec, cluster: Cluster, run: Runner, log: (l: string) => void): Promise<ReleaseResult> {
  const helm = new Helm(run, cluster.context.name);
  const before = await helm.status(spec.release, spec.namespace);
  const inSync = before ? await releaseInSync(cluster, helm, spec.release, spec.namespace, spec.digest) : false;
  const history = before && !inSync ? await helm.history(spec.release, spec.namespace) : [];
  const plan = planRelease(before, history, inSync);
  if (plan.action === 'stuck') throw new ReleaseStuckError(before!);
  if (plan.action === 'up to date') return { action: 'up to date', revision: before!.revision, waitedSeconds: 0 };
  if (plan.action === 'reinstall') {
    log(`release ${spec.release} has no successful revision: uninstalling it before installing again`);
    await helm.uninstall(spec.release, spec.namespace);
  }

  if (needsDependencyBuild(spec.chartDir)) {
    log(`helm dependency build ${spec.chartDir} (a subchart or its package changed)`);
    await helm.dependencyBuild(spec.chartDir);
    markDependenciesBuilt(spec.chartDir);
  }

  const lastGood = plan.action === 'upgrade' ? plan.lastGood : null;
  const revisionBefore = plan.action === 'upgrade' ? before!.revision : null;
  log(`${lastGood === null ? 'installing' : 'upgrading'} release ${spec.release} in namespace ${spec.namespace} (context ${cluster.context.name})`);
  const r = await helm.upgrade({
    release: spec.release,
    chart: spec.chartDir,
    namespace: spec.namespace,
    valuesFiles: spec.valuesFiles,
    stdinValues: spec.stdinValues,
    description: descriptionFor(spec.digest),
    createNamespace: spec.createNamespace,
    timeoutSeconds: spec.timeoutSeconds,
  });
  if (r.exitCode !== 0) {
    const after = await helm.status(spec.release, spec.namespace).catch(() => null);
    const how = await undo(helm, spec, lastGood, revisionBefore, after, log);
    throw new Error(`helm upgrade --install ${spec.release} failed (${how}): ${mask((r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n'))}`);
  }
  const after = (await helm.status(spec.release, spec.namespace))!;
  const waitStarted = Date.now();
  try {
    const workloads = manifestWorkloads(parseManifest(after.manifest), spec.namespace);
    await waitForRollout(cluster.kubectl, { namespace: spec.namespace, release: spec.release, workloads, timeoutSeconds: spec.timeoutSeconds }, log);
  } catch (e) {
    if (!(e instanceof RolloutFailedError)) throw e;
    const how = await undo(helm, spec, lastGood, revisionBefore, after, log);
    throw new Error(`release ${spec.release} revision ${after.revision} did not become ready; ${how}:\n  ${mask(e.lines.join('\n  '))}`, { cause: e });
  }
  return { action: lastGood === null ? 'installed' : 'upgraded', revision: after.revision, waitedSeconds: (Date.now() - waitStarted) / 1000 };
}

/**
 * Leaves the cluster as it was: roll back to the last good revision, or remove a failed
 * first install. Nothing is undone when this deploy made no new revision (helm refused
 * before writing one): the release is still what it was.
 */
async function undo(
  helm: Helm,
  spec: ReleaseSpec,
  lastGood: number | null,
  revisionBefore: number | null,
  after: ReleaseInfo | null,
  log: (l: string) => void,
): Promise<string> {
  if (!after || after.revision === revisionBefore) return 'no new revision was made, nothing to undo';
  if (lastGood !== null) {
    log(`rolling back release ${spec.release} to revision ${lastGood}`);
    // The old revision's pods were ready before: give them time to be again, even when the
    // failed rollout had a short timeout.
    const r = await helm.rollback(spec.release, spec.namespace, lastGood, Math.max(spec.timeoutSeconds, 180));
    return r.exitCode === 0
      ? `rolled back to revision ${lastGood}`
      : `rollback to revision ${lastGood} FAILED (${r.stderr.trim()}); run helm rollback ${spec.release} ${lastGood} -n ${spec.namespace}`;
  }
  log(`uninstalling the failed first install of ${spec.release}`);
  await helm.uninstall(spec.release, spec.namespace);
  return 'the failed first install was uninstalled';
}
