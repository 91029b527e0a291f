// The load stage: get a built image into the cluster's runtime, doing no transfer when the
// runtime already holds that image ID.
import { Docker } from '../adapters/docker';
import { Containerd, ctrArgv, imagesByManifest, normalizeRef, parseImageList } from '../adapters/containerd';
import { Kind, KIND_NODE_CONTAINERD } from '../adapters/kind';
import { Minikube, MinikubeImage } from '../adapters/minikube';
import { Http, Registry } from '../adapters/registry';
import { Piper, Runner } from '../adapters/run';
import { ClusterTarget } from '../cluster/detect';
import { ImageRecord } from '../image/record';
import { decideLoad, HeldImage } from './decide';

export { decideLoad } from './decide';

/** What the cluster's pods must reference: the load stage's Nx output, read by the release stage. */
export interface ClusterImage {
  repository: string;
  tag: string;
  ref: string;
  /** The manifest digest the runtime knows the image by, when the load recorded one (a chart's digest value takes it). */
  digest?: string | null;
}

export type LoadResult = 'loaded' | 'already present' | 'tagged (image ID already present, no transfer)' | 'pushed' | 'shared daemon (nothing to load)';

export function clusterImageFor(record: Pick<ImageRecord, 'repository' | 'tag'>, target: ClusterTarget): ClusterImage {
  const repository = target.kind === 'registry' ? `${target.host}/${record.repository}` : record.repository;
  return { repository, tag: record.tag, ref: `${repository}:${record.tag}` };
}

/** The name and ID the runtime must hold, names spelled as containerd and minikube spell them. */
function wantedBy(record: ImageRecord): { name: string; id: string } {
  return { name: normalizeRef(record.ref), id: record.id };
}

function minikubeHeld(images: MinikubeImage[]): HeldImage[] {
  return images.map((i) => ({ id: i.id, names: i.repoTags.map(normalizeRef) }));
}

/** Each node of a kind cluster with what its containerd holds (kind loads an image into every node). */
async function kindNodes(run: Runner, cluster: string): Promise<{ node: string; images: HeldImage[] }[]> {
  const docker = new Docker(run);
  const list = ctrArgv(KIND_NODE_CONTAINERD, ['images', 'list']);
  return Promise.all(
    (await new Kind(run, cluster).nodes()).map(async (node) => ({ node, images: imagesByManifest(parseImageList(await docker.exec(node, list))) })),
  );
}

/** The process and network boundary the load stage uses besides the Runner; stand-ins replace them in tests. */
export interface LoadBoundary {
  pipe?: Piper;
  http?: Http;
}

/** Whether the runtime holds the record's image under its name; used by the hasher, so kept to one cheap call. */
export async function isLoaded(record: ImageRecord, target: ClusterTarget, run: Runner, boundary: LoadBoundary = {}): Promise<boolean> {
  return (await holdsImage(clusterImageFor(record, target), target, run, boundary)) === true;
}

/** Whether the runtime holds an image under this name, whatever its ID (the tag is content-addressed: see decide.ts). */
export type Holds = (image: { repository: string; tag: string; ref: string }) => Promise<boolean | null>;

/**
 * What the runtime holds, read once: a node's whole listing (on kind, every node's) is one
 * call whatever the number of images asked about; a registry or Docker is asked per image.
 */
export async function runtimeHolds(target: ClusterTarget, run: Runner, boundary: LoadBoundary = {}): Promise<Holds> {
  const among = (held: HeldImage[]) => async (image: { ref: string }) => held.some((i) => i.names.includes(normalizeRef(image.ref)));
  switch (target.kind) {
    case 'containerd':
      return among(await new Containerd(run, target.address).images());
    case 'minikube':
      return among(minikubeHeld(await new Minikube(run, target.profile).images()));
    case 'kind': {
      const nodes = await kindNodes(run, target.name);
      return async (image) => nodes.every((n) => n.images.some((i) => i.names.includes(normalizeRef(image.ref))));
    }
    case 'registry': {
      const registry = new Registry(target.host, boundary.http);
      return (image) =>
        registry.has(image.repository.startsWith(`${target.host}/`) ? image.repository.slice(target.host.length + 1) : image.repository, image.tag);
    }
    case 'docker-desktop': {
      const docker = new Docker(run);
      return async (image) => (await docker.inspect(image.ref)) !== null;
    }
  }
}

/** Whether the runtime holds this one image (see Holds). */
export async function holdsImage(
  image: { repository: string; tag: string; ref: string },
  target: ClusterTarget,
  run: Runner,
  boundary: LoadBoundary = {},
): Promise<boolean | null> {
  return (await runtimeHolds(target, run, boundary))(image);
}

export async function loadImage(record: ImageRecord, target: ClusterTarget, run: Runner, boundary: LoadBoundary = {}): Promise<LoadResult> {
  const docker = new Docker(run);
  switch (target.kind) {
    case 'containerd': {
      const node = new Containerd(run, target.address, boundary.pipe);
      const wanted = wantedBy(record);
      const action = decideLoad(wanted, await node.images());
      if (action === 'present') return 'already present';
      if (action === 'retag') {
        await node.tag(record.id, wanted.name);
        return 'tagged (image ID already present, no transfer)';
      }
      await node.importFromDocker(docker.saveArgv(record.ref));
      return 'loaded';
    }
    case 'minikube': {
      const mk = new Minikube(run, target.profile);
      const images = await mk.images();
      const action = decideLoad(wantedBy(record), minikubeHeld(images));
      if (action === 'present') return 'already present';
      // An image known by ID only has no name to tag from: transfer it.
      const source = images.find((i) => i.id === record.id)?.repoTags[0];
      const tagged = action === 'retag' && source;
      if (tagged) await mk.tag(source, record.ref);
      else await mk.load(record.ref);
      // minikube image load and image tag exit 0 when they failed: its listing decides.
      const name = normalizeRef(record.ref);
      if (!minikubeHeld(await mk.images()).some((i) => i.names.includes(name)))
        throw new Error(
          `minikube -p ${target.profile} image ${tagged ? `tag ${source}` : 'load'} ${record.ref} exited 0 but the profile does not list ${name}. Fix: run it by hand with --alsologtostderr to see why it failed (often no space left: df -h, docker system df), then rerun`,
        );
      return tagged ? 'tagged (image ID already present, no transfer)' : 'loaded';
    }
    case 'kind': {
      const wanted = wantedBy(record);
      const actions = (await kindNodes(run, target.name)).map((n) => ({ node: n.node, action: decideLoad(wanted, n.images) }));
      const missing = actions.filter((a) => a.action !== 'present').map((a) => a.node);
      if (missing.length === 0) return 'already present';
      // kind itself retags a node that holds the image ID under another name, and transfers to the rest.
      await new Kind(run, target.name).load(record.ref, missing);
      const lacking = (await kindNodes(run, target.name)).filter((n) => !n.images.some((i) => i.names.includes(wanted.name))).map((n) => n.node);
      if (lacking.length > 0)
        throw new Error(
          `kind load docker-image ${record.ref} succeeded but node ${lacking.join(', ')} does not list ${wanted.name}. Fix: check the node's containerd (docker exec ${lacking[0]} ctr -n k8s.io images list) and its free disk space, then rerun`,
        );
      return actions.every((a) => a.action !== 'transfer') ? 'tagged (image ID already present, no transfer)' : 'loaded';
    }
    case 'registry': {
      const ref = clusterImageFor(record, target).ref;
      if (await new Registry(target.host, boundary.http).has(record.repository, record.tag)) return 'already present';
      await docker.tag(record.ref, ref);
      await docker.push(ref);
      return 'pushed';
    }
    case 'docker-desktop':
      return 'shared daemon (nothing to load)';
  }
}
