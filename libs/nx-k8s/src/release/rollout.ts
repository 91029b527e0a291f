// Waits for the release's workloads to roll out, failing fast with a per-resource reason
// instead of waiting out the progress deadline as `kubectl rollout status` does.
import { Kubectl, Pod, ReplicaSet } from '../adapters/kubectl';
import { currentPods, Diagnosis, diagnosePod, render, workloadProgress } from './diagnose';
import { listQueries, refName, releaseWorkloads, Workload, WorkloadRef } from './workloads';

export interface RolloutSpec {
  namespace: string;
  release: string;
  /** What the release's manifest names (manifestWorkloads). */
  workloads: WorkloadRef[];
  timeoutSeconds: number;
}

export class RolloutFailedError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const POLL_MS = 400;

export async function waitForRollout(kubectl: Kubectl, s: RolloutSpec, log: (l: string) => void): Promise<void> {
  const deadline = Date.now() + s.timeoutSeconds * 1000;
  let lastSummary = '';
  let lastPrinted = 0;
  const notReadySince = new Map<string, number>();
  for (;;) {
    const { workloads, missing, replicaSets, pods } = await listWorkloads(kubectl, s.workloads, true);
    const progress = workloads.map((w) => workloadProgress(w, replicaSets));
    // helm created every object before it returned: one that is not there was removed since.
    if (missing.length > 0)
      throw new RolloutFailedError(
        missing.map((m) => `${refName(m)}: NotFound: release ${s.release}'s manifest has it, namespace ${m.namespace} does not (deleted while deploying?)`),
      );
    if (progress.every((p) => p.ready)) return;

    const problems: Diagnosis[] = progress.filter((p) => p.failed).map((p) => ({ resource: p.resource, reason: 'Failed', message: p.failed!, fatal: true }));
    for (const pod of currentPods(workloads, replicaSets, pods)) {
      const ready = (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
      if (ready) {
        notReadySince.delete(pod.metadata.name);
        continue;
      }
      const since = notReadySince.get(pod.metadata.name) ?? Date.now();
      notReadySince.set(pod.metadata.name, since);
      // Events cost a call: ask only about pods that stay unready (probe failures show there).
      const events = Date.now() - since > 5000 ? await kubectl.warningEvents(s.namespace, pod.metadata.name) : [];
      problems.push(...diagnosePod(pod, events));
    }
    const fatal = problems.filter((p) => p.fatal);
    if (fatal.length > 0) {
      const lines: string[] = [];
      for (const d of fatal) {
        const logs = d.logsFrom ? await kubectl.logs(s.namespace, d.logsFrom.pod, d.logsFrom.container, d.logsFrom.previous) : undefined;
        lines.push(render(d, logs));
      }
      throw new RolloutFailedError(lines);
    }
    if (Date.now() > deadline) {
      const pending = progress.filter((p) => !p.ready).map((p) => `${p.resource}: not rolled out after ${s.timeoutSeconds} s (${p.summary})`);
      throw new RolloutFailedError([...pending, ...problems.map((d) => render(d))]);
    }
    const summary = progress
      .filter((p) => !p.ready)
      .map((p) => `${p.resource} ${p.summary}`)
      .join(', ');
    if (summary !== lastSummary || Date.now() - lastPrinted > 5000) {
      log(`  waiting: ${summary}`);
      lastSummary = summary;
      lastPrinted = Date.now();
    }
    await sleep(POLL_MS);
  }
}

/** Lists what `kubectl get <resources> -n <namespace>` lists: Kubectl, or KubeApi in the hashers. */
export interface WorkloadLister {
  list(namespace: string, resources: string): Promise<Array<Workload | ReplicaSet | Pod>>;
}

/** The workloads as the cluster has them: one list per namespace they live in. */
export async function listWorkloads(lister: WorkloadLister, refs: WorkloadRef[], withPods: boolean) {
  const lists = await Promise.all(listQueries(refs, withPods).map((q) => lister.list(q.namespace, q.resources)));
  return releaseWorkloads(lists.flat(), refs);
}
