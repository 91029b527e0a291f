// The status of a release in the data model's terms, decided from what the cluster, Docker and
// the workspace said (a Snapshot): pure, so every state and reason is unit-tested on real
// shapes. collect.ts gathers the snapshot; format.ts prints the report.
import type { ContainerRefs, EndpointSlice, Pod, PodSpec, ReplicaSet, Service } from '../adapters/kubectl';
import type { ReleaseInfo } from '../adapters/helm';
import { diagnosePod, workloadProgress } from '../release/diagnose';
import { repositoryOf } from '../release/images';
import { refName, Workload, WorkloadRef } from '../release/workloads';

/** An image project the release deploys, as the workspace would deploy it now. */
export interface AppImage {
  project: string;
  /** The repository the cluster knows it by (with the registry host when loads push). */
  repository: string;
  /** repository:tag for the current inputs; null when the tag could not be computed (see `workspaceNote`). */
  workspaceRef: string | null;
}

export interface Snapshot {
  release: string;
  namespace: string;
  context: string;
  info: ReleaseInfo | null;
  /** What the release's manifest names, by kind, with the images its pod template runs there. */
  workloads: Array<WorkloadRef & { images: string[] }>;
  services: Array<{ name: string; namespace: string }>;
  config: Array<{ kind: 'ConfigMap' | 'Secret'; name: string; namespace: string }>;
  /** The cluster's objects (workloads, ReplicaSets, Pods, Services, EndpointSlices) of the release's namespaces. */
  items: Array<Workload | ReplicaSet | Pod | Service | EndpointSlice>;
  /** namespace/Kind/name -> keys, for the ConfigMaps and Secrets that exist. */
  configKeys: Map<string, string[]>;
  apps: AppImage[];
  /** Image reference -> in the cluster's runtime (null: this kind of cluster cannot be asked cheaply). */
  inCluster: Map<string, boolean | null>;
  /** Image reference -> in the local Docker. */
  builtHere: Map<string, boolean>;
  /** pod/container -> its last log line (previous instance), for crashing containers. */
  lastLogs: Map<string, string>;
  /** The release's desired-state digest for the workspace as it is, or null when unknown. */
  desiredDescription: string | null;
  workspaceNote?: string;
}

export type WorkloadState = 'Available' | 'Progressing' | 'Degraded' | 'Failed' | 'Missing' | 'Complete';
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface PodStatus {
  name: string;
  phase: PodPhase;
  ready: boolean;
  restarts: number;
  /** e.g. "Error (exit code 1)" */
  lastTermination: string | null;
  /** Why it is not ready (CrashLoopBackOff: ..., ErrImagePull: ...). */
  reason: string | null;
  lastLog: string | null;
}

export interface AppStatus {
  /** The image project, or the workload's name for workloads that run no image of the workspace. */
  name: string;
  project: string | null;
  image: {
    /** What the workload's pod template runs. */
    deployed: string | null;
    workspace: string | null;
    builtHere: boolean | null;
    inCluster: boolean | null;
    /** Data model: Built, Loaded, Running; Not in the cluster when the runtime lacks it. */
    state: 'Built' | 'Loaded' | 'Running' | 'Not in the cluster' | 'Not built' | 'Not deployed';
    pods: string[];
  } | null;
  workloads: Array<{ resource: string; state: WorkloadState; ready: string; reason: string | null }>;
  pods: PodStatus[];
}

export interface StatusReport {
  release: {
    name: string;
    namespace: string;
    context: string;
    revision: number | null;
    /** helm's status, or "not installed". */
    status: string;
    /** Deploying the workspace as it is would change nothing; null when that cannot be told. */
    upToDate: boolean | null;
    /** The apps whose image differs from what the workspace would deploy. */
    differs: Array<{ app: string; deployed: string | null; workspace: string | null }>;
    note: string;
  };
  apps: AppStatus[];
  services: Array<{ name: string; namespace: string; ports: string[]; ready: number; notReady: number }>;
  config: Array<{ kind: 'ConfigMap' | 'Secret'; name: string; namespace: string; present: boolean; keys: string[]; usedBy: string[] }>;
  healthy: boolean;
  /** One line per reason it is not healthy. */
  problems: string[];
}

const key = (kind: string | undefined, namespace: string | undefined, name: string | undefined) => `${kind}/${namespace}/${name}`;

function ownerChain(pod: Pod, replicaSets: Map<string, ReplicaSet>): string[] {
  const out: string[] = [];
  for (const o of pod.metadata.ownerReferences ?? []) {
    out.push(`${o.kind}/${o.name}`);
    if (o.kind === 'ReplicaSet') {
      const rs = replicaSets.get(`${pod.metadata.namespace}/${o.name}`);
      for (const ro of rs?.metadata?.ownerReferences ?? []) out.push(`${ro.kind}/${ro.name}`);
    }
  }
  return out;
}

const podSpecOf = (w: Workload): PodSpec => (w.spec as { template?: { spec?: PodSpec } } | undefined)?.template?.spec ?? {};
const containers = (spec: PodSpec | undefined): ContainerRefs[] => [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];

function podStatus(pod: Pod, lastLogs: Map<string, string>): PodStatus {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const ready = (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  const terminated = statuses.map((s) => s.lastState?.terminated).find((t) => t);
  const diagnosis = diagnosePod(pod)[0];
  const waiting = statuses.map((s) => s.state?.waiting).find((w) => w?.reason);
  const reason = diagnosis ? `${diagnosis.reason}: ${diagnosis.message}` : !ready && waiting?.reason ? waiting.reason : null;
  const logFrom = diagnosis?.logsFrom ? `${diagnosis.logsFrom.pod}/${diagnosis.logsFrom.container}` : null;
  const phase = pod.status?.phase;
  return {
    name: pod.metadata.name,
    phase: phase === 'Pending' || phase === 'Running' || phase === 'Succeeded' || phase === 'Failed' ? phase : 'Unknown',
    ready,
    restarts: statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0),
    lastTermination: terminated ? `${terminated.reason ?? 'terminated'} (exit code ${terminated.exitCode})` : null,
    reason,
    lastLog: logFrom ? (lastLogs.get(logFrom) ?? null) : null,
  };
}

/** Data model: Available (desired replicas running), Progressing, Degraded (some pods failing), Failed (unable to create pods). */
function workloadState(w: Workload, replicaSets: ReplicaSet[], pods: PodStatus[]): { state: WorkloadState; ready: string; reason: string | null } {
  const p = workloadProgress(w, replicaSets);
  const failing = pods.find((pod) => pod.reason);
  const deadline = (w.status as { conditions?: Array<{ type: string; reason?: string; message?: string }> } | undefined)?.conditions?.find(
    (c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
  );
  const replicaFailure = (w.status as { conditions?: Array<{ type: string; status: string; message?: string }> } | undefined)?.conditions?.find(
    (c) => c.type === 'ReplicaFailure' && c.status === 'True',
  );
  if (p.failed) return { state: 'Failed', ready: p.summary, reason: p.failed };
  if (replicaFailure) return { state: 'Failed', ready: p.summary, reason: `ReplicaFailure: ${replicaFailure.message ?? 'pods cannot be created'}` };
  if (deadline) return { state: 'Failed', ready: p.summary, reason: `ProgressDeadlineExceeded: ${deadline.message ?? ''}`.trim() };
  if (w.kind === 'Job' && p.ready) return { state: 'Complete', ready: p.summary, reason: null };
  if (p.ready)
    return failing
      ? { state: 'Degraded', ready: p.summary, reason: `pod/${failing.name}: ${failing.reason}` }
      : { state: 'Available', ready: p.summary, reason: null };
  if (failing) return { state: 'Degraded', ready: p.summary, reason: `pod/${failing.name}: ${failing.reason}` };
  return { state: 'Progressing', ready: p.summary, reason: null };
}

function configUsers(pods: Pod[], kind: 'ConfigMap' | 'Secret', name: string): string[] {
  const uses = (spec: PodSpec | undefined) => {
    const isIt = (n: string | undefined) => n === name;
    const inContainers = containers(spec).some(
      (c) =>
        (c.envFrom ?? []).some((e) => isIt(kind === 'ConfigMap' ? e.configMapRef?.name : e.secretRef?.name)) ||
        (c.env ?? []).some((e) => isIt(kind === 'ConfigMap' ? e.valueFrom?.configMapKeyRef?.name : e.valueFrom?.secretKeyRef?.name)),
    );
    const inVolumes = (spec?.volumes ?? []).some(
      (v) =>
        isIt(kind === 'ConfigMap' ? v.configMap?.name : v.secret?.secretName) ||
        (v.projected?.sources ?? []).some((s) => isIt(kind === 'ConfigMap' ? s.configMap?.name : s.secret?.name)),
    );
    return inContainers || inVolumes;
  };
  return pods
    .filter((p) => uses(p.spec))
    .map((p) => p.metadata.name)
    .sort();
}

export function buildReport(s: Snapshot): StatusReport {
  const problems: string[] = [];
  const find = (kind: string, namespace: string, name: string) =>
    s.items.find((i) => key(i.kind, i.metadata?.namespace, i.metadata?.name) === key(kind, namespace, name));
  const replicaSets = s.items.filter((i): i is ReplicaSet => i.kind === 'ReplicaSet');
  const rsByName = new Map(replicaSets.map((rs) => [`${rs.metadata?.namespace}/${rs.metadata?.name}`, rs]));
  const allPods = s.items.filter((i): i is Pod => i.kind === 'Pod' && !i.metadata?.deletionTimestamp);

  // Each workload with its pods, and the app whose image it runs.
  const workloads = s.workloads.map((ref) => {
    const w = find(ref.kind, ref.namespace, ref.name) as Workload | undefined;
    const pods = w ? allPods.filter((p) => p.metadata.namespace === ref.namespace && ownerChain(p, rsByName).includes(`${ref.kind}/${ref.name}`)) : [];
    // What the cluster runs; for a workload deleted by hand, what the release would run there.
    const images = w ? containers(podSpecOf(w)).map((c) => c.image ?? '') : ref.images;
    const app = s.apps.find((a) => images.some((i) => repositoryOf(i) === a.repository));
    return { ref, w, pods, images, app };
  });

  const apps: AppStatus[] = [];
  for (const a of s.apps) {
    const mine = workloads.filter((x) => x.app === a);
    const deployed = mine.flatMap((x) => x.images).find((i) => repositoryOf(i) === a.repository) ?? null;
    const pods = mine.flatMap((x) => x.pods);
    const running = pods.filter((p) =>
      (p.status?.containerStatuses ?? []).some(
        (c) => c.state?.running && repositoryOf(p.spec?.containers?.find((pc) => pc.name === c.name)?.image ?? '') === a.repository,
      ),
    );
    const inCluster = deployed ? (s.inCluster.get(deployed) ?? null) : null;
    const builtHere = a.workspaceRef ? (s.builtHere.get(a.workspaceRef) ?? null) : null;
    const state = !deployed
      ? 'Not deployed'
      : inCluster === false
        ? 'Not in the cluster'
        : running.length
          ? 'Running'
          : inCluster
            ? 'Loaded'
            : builtHere
              ? 'Built'
              : 'Not built';
    if (deployed && inCluster === false)
      problems.push(
        `${a.project}: image ${deployed} is not in the cluster's runtime: a pod that restarts cannot start. Fix: nx run ${a.project}:deploy (loads it again)`,
      );
    apps.push({
      name: a.project,
      project: a.project,
      image: { deployed, workspace: a.workspaceRef, builtHere, inCluster, state, pods: running.map((p) => p.metadata.name).sort() },
      ...workloadsOf(mine),
    });
  }
  const others = workloads.filter((x) => !x.app);
  for (const x of others) apps.push({ name: x.ref.name, project: null, image: null, ...workloadsOf([x]) });

  function workloadsOf(list: typeof workloads): Pick<AppStatus, 'workloads' | 'pods'> {
    const pods = list.flatMap((x) => x.pods.map((p) => podStatus(p, s.lastLogs)));
    const out = list.map((x) => {
      const resource = refName(x.ref);
      if (!x.w) {
        problems.push(
          `${resource}: Missing: release ${s.release}'s manifest has it, namespace ${x.ref.namespace} does not. Fix: deploy again (nx run-many -t deploy puts it back)`,
        );
        return { resource, state: 'Missing' as const, ready: '-', reason: 'not in the cluster' };
      }
      const st = workloadState(
        x.w,
        replicaSets,
        pods.filter((p) => x.pods.some((xp) => xp.metadata.name === p.name)),
      );
      if (st.state !== 'Available' && st.state !== 'Complete') problems.push(`${resource}: ${st.state}${st.reason ? `: ${st.reason}` : ` (${st.ready})`}`);
      return { resource, ...st };
    });
    for (const p of pods) if (p.lastLog) problems.push(`pod/${p.name}: last log line: ${p.lastLog}`);
    return { workloads: out, pods };
  }

  const services = s.services.map((svc) => {
    const obj = find('Service', svc.namespace, svc.name) as Service | undefined;
    const slices = s.items.filter(
      (i): i is EndpointSlice =>
        i.kind === 'EndpointSlice' && i.metadata?.namespace === svc.namespace && i.metadata?.labels?.['kubernetes.io/service-name'] === svc.name,
    );
    const endpoints = slices.flatMap((sl) => sl.endpoints ?? []);
    const ready = endpoints.filter((e) => e.conditions?.ready !== false).length;
    const ports = (obj?.spec?.ports ?? []).map((p) => `${p.name ? `${p.name}:` : ''}${p.port}/${p.protocol ?? 'TCP'}`);
    if (!obj) problems.push(`service/${svc.name}: Missing: not in namespace ${svc.namespace}. Fix: deploy again`);
    else if (obj.spec?.selector && Object.keys(obj.spec.selector).length && ready === 0)
      problems.push(`service/${svc.name}: no ready endpoint: no ready pod matches its selector, so nothing answers on it`);
    return { name: svc.name, namespace: svc.namespace, ports, ready, notReady: endpoints.length - ready };
  });

  const releasePods = workloads.flatMap((x) => x.pods);
  const config = s.config.map((c) => {
    const keys = s.configKeys.get(`${c.namespace}/${c.kind}/${c.name}`);
    if (!keys) problems.push(`${c.kind.toLowerCase()}/${c.name}: Missing: not in namespace ${c.namespace}. Fix: deploy again`);
    return {
      ...c,
      present: keys !== undefined,
      keys: keys ?? [],
      usedBy: configUsers(
        releasePods.filter((p) => p.metadata.namespace === c.namespace),
        c.kind,
        c.name,
      ),
    };
  });

  const release = releaseState(s, apps);
  if (!s.info) problems.unshift(`release ${s.release} is not installed in namespace ${s.namespace} (context ${s.context}). Fix: nx run-many -t deploy`);
  else if (s.info.status !== 'deployed') problems.unshift(`release ${s.release} is ${s.info.status} (revision ${s.info.revision})`);
  return { release, apps, services, config, healthy: problems.length === 0, problems };
}

function releaseState(s: Snapshot, apps: AppStatus[]): StatusReport['release'] {
  const base = { name: s.release, namespace: s.namespace, context: s.context, revision: s.info?.revision ?? null, status: s.info?.status ?? 'not installed' };
  const differs = apps
    .filter((a) => a.image && a.image.workspace !== null && a.image.deployed !== a.image.workspace)
    .map((a) => ({ app: a.name, deployed: a.image!.deployed, workspace: a.image!.workspace }));
  if (!s.info) return { ...base, upToDate: false, differs, note: 'not installed' };
  if (s.desiredDescription === null) return { ...base, upToDate: null, differs, note: s.workspaceNote ?? 'the workspace state is unknown' };
  const upToDate = s.info.status === 'deployed' && s.info.description === s.desiredDescription;
  const note = upToDate
    ? 'up to date with the workspace'
    : differs.length
      ? `differs from the workspace: ${differs.map((d) => d.app).join(', ')}`
      : 'differs from the workspace: chart, values, set or secrets';
  return { ...base, upToDate, differs, note };
}
