// Why a rollout is not progressing, per resource, from `kubectl get pods -o json` and
// events. Pure data in, data out, so every reason is unit-tested on real shapes; the
// executor renders the result. Fatal reasons fail the deploy at once instead of waiting
// out a progress deadline.
import type { DaemonSet, Deployment, Event, Job, Pod, ReplicaSet, StatefulSet } from '../adapters/kubectl';
import { refName, Workload } from './workloads';

export interface Diagnosis {
  resource: string;
  reason: string;
  message: string;
  fatal: boolean;
  /** Container whose last log lines explain it (CrashLoopBackOff). */
  logsFrom?: { pod: string; container: string; previous: boolean };
}

const IMAGE_MISSING = new Set(['ErrImageNeverPull', 'ErrImagePull', 'ImagePullBackOff', 'InvalidImageName']);

export function diagnosePod(pod: Pod, events: Event[] = []): Diagnosis[] {
  const name = `pod/${pod.metadata?.name}`;
  const out: Diagnosis[] = [];
  if (pod.metadata?.deletionTimestamp) return out;
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const cs of statuses) {
    const waiting = cs.state?.waiting;
    const image = cs.image ?? pod.spec?.containers?.find((c) => c.name === cs.name)?.image;
    if (waiting?.reason && IMAGE_MISSING.has(waiting.reason)) {
      out.push({
        resource: name,
        reason: waiting.reason,
        message:
          waiting.reason === 'InvalidImageName'
            ? `image ${image} is not a valid image reference`
            : `image ${image} is not in the cluster: was it loaded? (${waiting.reason})`,
        fatal: true,
      });
    } else if (waiting?.reason === 'CrashLoopBackOff' || (cs.restartCount >= 2 && cs.lastState?.terminated)) {
      const t = cs.lastState?.terminated;
      out.push({
        resource: name,
        reason: 'CrashLoopBackOff',
        message: `container ${cs.name} keeps crashing (${cs.restartCount} restarts${t ? `, last exit code ${t.exitCode}${t.reason ? ` ${t.reason}` : ''}` : ''})`,
        fatal: true,
        logsFrom: { pod: pod.metadata.name, container: cs.name, previous: true },
      });
    } else if (waiting?.reason === 'CreateContainerConfigError') {
      // A missing object or key stays missing; anything else (the kubelet's cache still
      // syncing after a start) clears up by itself.
      const missing = /not found|couldn't find|could not find/i.test(waiting.message ?? '');
      out.push({
        resource: name,
        reason: waiting.reason,
        message: `container ${cs.name}: ${waiting.message ?? 'configuration error'}${missing ? ' (a missing Secret or ConfigMap, or a missing key in one)' : ''}`,
        fatal: missing,
      });
    } else if (waiting?.reason === 'RunContainerError' || waiting?.reason === 'CreateContainerError') {
      out.push({ resource: name, reason: waiting.reason, message: `container ${cs.name}: ${waiting.message ?? waiting.reason}`, fatal: true });
    }
  }
  const scheduled = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    out.push({ resource: name, reason: 'Unschedulable', message: `cannot be scheduled: ${scheduled.message}`, fatal: true });
  }
  const unhealthy = events.filter((e) => e.reason === 'Unhealthy').sort((a, b) => (b.count ?? 1) - (a.count ?? 1))[0];
  if (unhealthy && out.length === 0) {
    out.push({ resource: name, reason: 'ProbeFailing', message: `${unhealthy.message} (${unhealthy.count ?? 1} times)`, fatal: (unhealthy.count ?? 1) >= 6 });
  }
  return out;
}

export interface WorkloadProgress {
  /** `deployment/web`, `statefulset/db`, ... */
  resource: string;
  ready: boolean;
  summary: string;
  /** Set when it cannot get ready by waiting (a Job that failed): the rollout fails at once. */
  failed?: string;
}

export function workloadProgress(w: Workload, replicaSets: ReplicaSet[] = []): WorkloadProgress {
  switch (w.kind) {
    case 'StatefulSet':
      return statefulSetProgress(w as StatefulSet);
    case 'DaemonSet':
      return daemonSetProgress(w as DaemonSet);
    case 'Job':
      return jobProgress(w as Job);
    default:
      return deploymentProgress(w as Deployment, replicaSets);
  }
}

/** The controller has seen the current spec: status fields before that describe the old one. */
const observed = (w: { metadata: { generation?: number }; status?: { observedGeneration?: number } }) =>
  (w.status?.observedGeneration ?? 0) >= (w.metadata?.generation ?? 0);

/** The ReplicaSet of the Deployment's current revision (its annotation names it). */
function newestReplicaSet(d: Deployment, replicaSets: ReplicaSet[]): ReplicaSet | undefined {
  const revision = d.metadata?.annotations?.['deployment.kubernetes.io/revision'];
  return replicaSets.find(
    (rs) =>
      rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === revision &&
      (rs.metadata?.ownerReferences ?? []).some((o) => o.kind === 'Deployment' && o.name === d.metadata.name),
  );
}

/**
 * The pods a rollout is judged by: those of each workload's current revision. Pods of an
 * older revision are leaving, and can fail on the way out without the new one being wrong
 * (an upgrade that scales a Deployment scales its old ReplicaSet too, and that pod may wait
 * for a claim the upgrade removes). Until the controller has seen a Deployment's new spec,
 * its "current" revision is still the old one: none of its pods is judged.
 */
export function currentPods(workloads: Workload[], replicaSets: ReplicaSet[], pods: Pod[]): Pod[] {
  // Owner of judged pods -> the controller-revision-hash they must carry (null: any).
  const judged = new Map<string, string | null>();
  for (const w of workloads) {
    if (w.kind === 'Deployment') {
      const rs = observed(w as Deployment) ? newestReplicaSet(w as Deployment, replicaSets) : undefined;
      if (rs?.metadata?.name) judged.set(`ReplicaSet/${rs.metadata.name}`, null);
    } else {
      const st = w.kind === 'StatefulSet' && observed(w as StatefulSet) ? (w as StatefulSet).status?.updateRevision : undefined;
      judged.set(`${w.kind}/${w.metadata.name}`, st ?? null);
    }
  }
  return pods.filter((p) =>
    (p.metadata?.ownerReferences ?? []).some((o) => {
      const revision = judged.get(`${o.kind}/${o.name}`);
      return revision === null || (revision !== undefined && p.metadata.labels?.['controller-revision-hash'] === revision);
    }),
  );
}

/**
 * A Deployment is rolled out when the controller saw the new spec and its newest
 * ReplicaSet has every replica available. Old pods still terminating do not count: they
 * already left the Service (this is what `helm --wait` checks, not `kubectl rollout status`,
 * which also waits for them to exit).
 */
export function deploymentProgress(d: Deployment, replicaSets: ReplicaSet[] = []): WorkloadProgress {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  const updated = s.updatedReplicas ?? 0;
  const newest = newestReplicaSet(d, replicaSets);
  const available = newest ? (newest.status?.availableReplicas ?? 0) : (s.availableReplicas ?? 0);
  const total = s.replicas ?? 0;
  const failed = (s.conditions ?? []).find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded');
  const ready = observed(d) && updated === want && available >= want && !failed && (newest !== undefined || total === want);
  return {
    resource: refName({ kind: 'Deployment', name: d.metadata.name }),
    ready,
    summary: `${Math.min(available, want)}/${want} new available, ${updated}/${want} updated${total > want ? `, ${total - want} old terminating` : ''}`,
  };
}

/**
 * A StatefulSet is rolled out when every replica is ready and on the update revision. With
 * OnDelete pods change only when deleted, and with a partition only the ordinals at or above
 * it are updated: both are judged by what the controller is going to do, as helm's --wait does.
 */
export function statefulSetProgress(st: StatefulSet): WorkloadProgress {
  const want = st.spec?.replicas ?? 1;
  const s = st.status ?? {};
  const readyReplicas = s.readyReplicas ?? 0;
  const strategy = st.spec?.updateStrategy;
  const partition = strategy?.rollingUpdate?.partition ?? 0;
  const onDelete = strategy?.type === 'OnDelete';
  const updated = s.updatedReplicas ?? 0;
  const updatedEnough = onDelete || updated >= Math.max(0, want - partition);
  const onRevision = onDelete || partition > 0 || s.currentRevision === s.updateRevision;
  return {
    resource: refName({ kind: 'StatefulSet', name: st.metadata.name }),
    ready: observed(st) && readyReplicas >= want && updatedEnough && onRevision,
    summary: `${Math.min(readyReplicas, want)}/${want} ready, ${Math.min(updated, want)}/${want} updated`,
  };
}

/** A DaemonSet is rolled out when every node it schedules on runs an updated, available pod. */
export function daemonSetProgress(ds: DaemonSet): WorkloadProgress {
  const s = ds.status ?? {};
  const want = s.desiredNumberScheduled ?? 0;
  const updated = s.updatedNumberScheduled ?? 0;
  const available = s.numberAvailable ?? 0;
  const onDelete = ds.spec?.updateStrategy?.type === 'OnDelete';
  return {
    resource: refName({ kind: 'DaemonSet', name: ds.metadata.name }),
    ready: observed(ds) && available >= want && (onDelete || updated >= want),
    summary: `${Math.min(available, want)}/${want} nodes available, ${Math.min(updated, want)}/${want} updated`,
  };
}

/** A Job (not a hook: those are helm's) is done when it completed; a failed one will not complete by waiting. */
export function jobProgress(job: Job): WorkloadProgress {
  const s = job.status ?? {};
  const condition = (type: string) => (s.conditions ?? []).find((c) => c.type === type && c.status === 'True');
  const failed = condition('Failed');
  const want = job.spec?.completions ?? 1;
  return {
    resource: refName({ kind: 'Job', name: job.metadata.name }),
    ready: condition('Complete') !== undefined,
    summary: `${s.succeeded ?? 0}/${want} succeeded${s.failed ? `, ${s.failed} failed` : ''}`,
    failed: failed ? `${failed.reason ?? 'Failed'}: ${failed.message ?? 'the Job failed'}` : undefined,
  };
}

export function render(d: Diagnosis, logs?: string): string {
  const tail = logs?.trim()
    ? `\n    last log lines:\n${logs
        .trim()
        .split('\n')
        .map((l) => `      ${l}`)
        .join('\n')}`
    : '';
  return `${d.resource}: ${d.reason}: ${d.message}${tail}`;
}
