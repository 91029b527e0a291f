// Gathers what the status report is decided from: the release (helm status carries its
// manifest), one kubectl list per namespace, the ConfigMap and Secret key names (never
// values), whether Docker and the runtime hold the images, then only the follow-up questions
// the first answers raise: deployed images not asked about yet, and the last log line of each
// crashing container. Independent questions go out together: the report must take well under
// a second.
import { Docker } from '../adapters/docker';
import { Helm, parseManifest } from '../adapters/helm';
import { List } from '../adapters/kubectl';
import { Runner } from '../adapters/run';
import { Cluster, ClusterTarget } from '../cluster';
import { holdsImage } from '../load';
import { diagnosePod } from '../release/diagnose';
import { repositoryOf } from '../release/images';
import { manifestWorkloads } from '../release/workloads';
import { AppImage, Snapshot } from './report';

export interface StatusSpec {
  release: string;
  namespace: string;
  apps: AppImage[];
  /** How images reach the cluster, to ask whether it holds them; null when it cannot be told. */
  target: ClusterTarget | null;
  desiredDescription: string | null;
  workspaceNote?: string;
}

type Named = { kind: string; name: string; namespace: string };

function manifestObjects(docs: unknown[], namespace: string): Named[] {
  const out: Named[] = [];
  for (const d of docs) {
    const o = d as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
    if (typeof o?.kind !== 'string' || typeof o.metadata?.name !== 'string') continue;
    out.push({ kind: o.kind, name: o.metadata.name, namespace: typeof o.metadata.namespace === 'string' ? o.metadata.namespace : namespace });
  }
  return out;
}

type Template = { spec?: { template?: { spec?: { containers?: Array<{ image?: unknown }>; initContainers?: Array<{ image?: unknown }> } } } };

/** The images a workload's pod template runs. */
function templateImages(o: unknown): string[] {
  const t = (o as Template | undefined)?.spec?.template?.spec;
  return [...(t?.initContainers ?? []), ...(t?.containers ?? [])].map((c) => c?.image).filter((i): i is string => typeof i === 'string' && i !== '');
}

function isObject(d: unknown, kind: string, name: string, namespace: string, releaseNamespace: string): boolean {
  const o = d as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
  return o?.kind === kind && o.metadata?.name === name && (typeof o.metadata.namespace === 'string' ? o.metadata.namespace : releaseNamespace) === namespace;
}

/** A reference as the load stage's presence check takes it. */
const splitRef = (ref: string) => {
  const repository = repositoryOf(ref);
  const tag = ref.split('@')[0].slice(repository.length + 1) || 'latest';
  return { repository, tag, ref };
};

// Asked together with helm status, in the release's namespace, before its manifest says what
// it holds: the kinds a release usually has. Other namespaces are asked once the manifest names them.
const USUAL = ['deployments', 'statefulsets', 'daemonsets', 'jobs', 'replicasets', 'pods', 'services', 'endpointslices'];

export async function collectStatus(spec: StatusSpec, cluster: Cluster, run: Runner): Promise<Snapshot> {
  const helm = new Helm(run, cluster.context.name);
  const docker = new Docker(run);
  const inClusterOf = (ref: string) => (spec.target ? holdsImage(splitRef(ref), spec.target, run) : Promise.resolve(null));
  const workspaceRefs = spec.apps.flatMap((a) => (a.workspaceRef ? [a.workspaceRef] : []));
  // The release and what usually answers for it, at once; the workspace's images too (they are usually the deployed ones).
  const [info, usual, usualKeys, builtHere, workspaceInCluster] = await Promise.all([
    helm.status(spec.release, spec.namespace),
    cluster.kubectl.json<List<Snapshot['items'][number]>>(['get', USUAL.join(','), '-n', spec.namespace]),
    cluster.kubectl.configKeys(spec.namespace),
    Promise.all(workspaceRefs.map(async (ref) => [ref, (await docker.inspect(ref)) !== null] as const)),
    Promise.all(workspaceRefs.map(async (ref) => [ref, await inClusterOf(ref)] as const)),
  ]);
  const docs = info ? parseManifest(info.manifest) : [];
  const objects = manifestObjects(docs, spec.namespace);
  const workloads = manifestWorkloads(docs, spec.namespace).map((ref) => ({
    ...ref,
    images: templateImages(docs.find((d) => isObject(d, ref.kind, ref.name, ref.namespace, spec.namespace))),
  }));
  const services = objects.filter((o) => o.kind === 'Service').map(({ name, namespace }) => ({ name, namespace }));
  const config = objects
    .filter((o): o is Named & { kind: 'ConfigMap' | 'Secret' } => o.kind === 'ConfigMap' || o.kind === 'Secret')
    .map(({ kind, name, namespace }) => ({ kind, name, namespace }));

  const others = [...new Set([...workloads, ...services, ...config].map((o) => o.namespace))].filter((ns) => ns !== spec.namespace);
  const [lists, keys] = await Promise.all([
    Promise.all(others.map((ns) => cluster.kubectl.json<List<Snapshot['items'][number]>>(['get', USUAL.join(','), '-n', ns]))),
    Promise.all(others.map(async (ns) => [ns, await cluster.kubectl.configKeys(ns)] as const)),
  ]);
  const items = [...usual.items, ...lists.flatMap((l) => l.items)];
  const configKeys = new Map<string, string[]>();
  for (const [ns, byName] of [[spec.namespace, usualKeys] as const, ...keys]) for (const [name, k] of byName) configKeys.set(`${ns}/${name}`, k);

  // Follow-ups: deployed images not asked about yet, and the last log line of crashing containers.
  const repositories = new Set(spec.apps.map((a) => a.repository));
  const deployed = new Set(items.flatMap(templateImages).filter((image) => repositories.has(repositoryOf(image))));
  const asked = new Set(workspaceRefs);
  const crashing = items.flatMap((i) => (i.kind === 'Pod' ? diagnosePod(i as Parameters<typeof diagnosePod>[0]) : [])).filter((d) => d.logsFrom);
  const namespaceOf = new Map(items.filter((i) => i.kind === 'Pod').map((p) => [p.metadata?.name, p.metadata?.namespace ?? spec.namespace]));
  const [inCluster, lastLogs] = await Promise.all([
    Promise.all([...deployed].filter((ref) => !asked.has(ref)).map(async (ref) => [ref, await inClusterOf(ref)] as const)),
    Promise.all(
      crashing.map(async (d) => {
        const l = d.logsFrom!;
        const text = await cluster.kubectl.logs(namespaceOf.get(l.pod) ?? spec.namespace, l.pod, l.container, l.previous, 1);
        return [`${l.pod}/${l.container}`, text.trim().split('\n').pop() ?? ''] as const;
      }),
    ),
  ]);

  return {
    release: spec.release,
    namespace: spec.namespace,
    context: cluster.context.name,
    info,
    workloads,
    services,
    config,
    items,
    configKeys,
    apps: spec.apps,
    inCluster: new Map([...workspaceInCluster, ...inCluster]),
    builtHere: new Map(builtHere),
    lastLogs: new Map(lastLogs.filter(([, line]) => line)),
    desiredDescription: spec.desiredDescription,
    workspaceNote: spec.workspaceNote,
  };
}
