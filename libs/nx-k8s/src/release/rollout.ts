// Waits for the release's Deployments to roll out, failing fast with a per-resource reason
// instead of waiting out the progress deadline as `kubectl rollout status` does.
import { Deployment, Kubectl, List, Pod, ReplicaSet } from '../adapters/kubectl';
import { deploymentProgress, Diagnosis, diagnosePod, render } from './diagnose';
import { releaseWorkloads, WORKLOAD_KINDS } from './workloads';

export interface RolloutSpec {
  namespace: string;
  release: string;
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
    const list = await kubectl.json<List<Deployment | ReplicaSet | Pod>>(['get', WORKLOAD_KINDS, '-n', s.namespace]);
    const { deployments, replicaSets, pods } = releaseWorkloads(list.items, s.release, s.namespace);
    const progress = deployments.map((d) => deploymentProgress(d, replicaSets));
    if (progress.every((p) => p.ready)) return;

    const problems: Diagnosis[] = [];
    for (const pod of pods) {
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
      const pending = progress.filter((p) => !p.ready).map((p) => `deployment/${p.name}: not rolled out after ${s.timeoutSeconds} s (${p.summary})`);
      throw new RolloutFailedError([...pending, ...problems.map((d) => render(d))]);
    }
    const summary = progress.map((p) => `${p.name} ${p.summary}`).join(', ');
    if (summary !== lastSummary || Date.now() - lastPrinted > 5000) {
      log(`  waiting: ${summary}`);
      lastSummary = summary;
      lastPrinted = Date.now();
    }
    await sleep(POLL_MS);
  }
}
