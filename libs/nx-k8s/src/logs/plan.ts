// Which container instances to follow, decided from the release's pods: every container that
// has started (a containerID), each instance once. A restarted container is a new instance
// (a new containerID), so its lines are followed from its first; a stream that dropped while its
// instance still runs resumes after the last line it printed. Pure; follow.ts does it.
import type { Pod } from '../adapters/kubectl';

export interface Instance {
  /** The runtime's container ID: one per start of a container. */
  id: string;
  app: string;
  pod: string;
  namespace: string;
  container: string;
  running: boolean;
}

/** App name of a pod: the image project whose repository one of its containers runs, else its workload's name. */
export function appOf(pod: Pod, apps: ReadonlyArray<{ project: string; repository: string }>, workload: string): string {
  const images = (pod.spec?.containers ?? []).map((c) => (c.image ?? '').split('@')[0].replace(/:[^:/]+$/, ''));
  return apps.find((a) => images.some((i) => i === a.repository || i.endsWith(`/${a.repository}`)))?.project ?? workload;
}

export function instances(pods: ReadonlyArray<{ pod: Pod; app: string }>): Instance[] {
  const out: Instance[] = [];
  for (const { pod, app } of pods) {
    for (const cs of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      const id = (cs as { containerID?: string }).containerID;
      if (!id) continue;
      out.push({ id, app, pod: pod.metadata.name, namespace: pod.metadata.namespace ?? 'default', container: cs.name, running: !!cs.state?.running });
    }
  }
  return out;
}

/** The instances to start a stream for: not followed yet (or their stream ended while they still run), of the chosen apps. */
export function toFollow(current: Instance[], streaming: ReadonlySet<string>, done: ReadonlySet<string>, apps: readonly string[] | null): Instance[] {
  return current.filter((i) => !streaming.has(i.id) && (!done.has(i.id) || i.running) && (!apps || apps.includes(i.app)));
}
