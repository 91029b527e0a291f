// Why a rollout is not progressing, per resource, from `kubectl get pods -o json` and
// events. Pure data in, data out, so every reason is unit-tested on real shapes; the
// executor renders the result. Fatal reasons fail the deploy at once instead of waiting
// out a progress deadline.
import type { Deployment, Event, Pod, ReplicaSet } from '../adapters/kubectl';

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

export interface DeploymentProgress {
  name: string;
  ready: boolean;
  summary: string;
}

/**
 * A Deployment is rolled out when the controller saw the new spec and its newest
 * ReplicaSet has every replica available. Old pods still terminating do not count: they
 * already left the Service (this is what `helm --wait` checks, not `kubectl rollout status`,
 * which also waits for them to exit).
 */
export function deploymentProgress(d: Deployment, replicaSets: ReplicaSet[] = []): DeploymentProgress {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  const observed = (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
  const updated = s.updatedReplicas ?? 0;
  const revision = d.metadata?.annotations?.['deployment.kubernetes.io/revision'];
  const newest = replicaSets.find(
    (rs) =>
      rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === revision &&
      (rs.metadata?.ownerReferences ?? []).some((o) => o.kind === 'Deployment' && o.name === d.metadata.name),
  );
  const available = newest ? (newest.status?.availableReplicas ?? 0) : (s.availableReplicas ?? 0);
  const total = s.replicas ?? 0;
  const failed = (s.conditions ?? []).find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded');
  const ready = observed && updated === want && available >= want && !failed && (newest !== undefined || total === want);
  return {
    name: d.metadata.name,
    ready,
    summary: `${Math.min(available, want)}/${want} new available, ${updated}/${want} updated${total > want ? `, ${total - want} old terminating` : ''}`,
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
