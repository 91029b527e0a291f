// The load stage: get a built image into the cluster's runtime, doing no transfer when the
// runtime already holds that image ID.
import { Docker } from '../adapters/docker';
import { Containerd, normalizeRef } from '../adapters/containerd';
import { Kind } from '../adapters/kind';
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

/** The process and network boundary the load stage uses besides the Runner; stand-ins replace them in tests. */
export interface LoadBoundary {
  pipe?: Piper;
  http?: Http;
}

/** Whether the runtime holds the record's image under its name; used by the hasher, so kept to one cheap call. */
export async function isLoaded(record: ImageRecord, target: ClusterTarget, run: Runner, boundary: LoadBoundary = {}): Promise<boolean> {
  return (await holdsImage(clusterImageFor(record, target), target, run, boundary)) === true;
}

/**
 * Whether the runtime holds an image under this name, whatever its ID (the tag is content-addressed:
 * see decide.ts); null where asking is not cheap (kind).
 */
export async function holdsImage(
  image: { repository: string; tag: string; ref: string },
  target: ClusterTarget,
  run: Runner,
  boundary: LoadBoundary = {},
): Promise<boolean | null> {
  const name = normalizeRef(image.ref);
  switch (target.kind) {
    case 'containerd':
      return (await new Containerd(run, target.address).images()).some((i) => i.names.includes(name));
    case 'minikube':
      return minikubeHeld(await new Minikube(run, target.profile).images()).some((i) => i.names.includes(name));
    case 'kind':
      // No cheap listing from the host: not loaded, and `kind load` itself skips present images.
      return null;
    case 'registry':
      return new Registry(target.host, boundary.http).has(
        image.repository.startsWith(`${target.host}/`) ? image.repository.slice(target.host.length + 1) : image.repository,
        image.tag,
      );
    case 'docker-desktop':
      return (await new Docker(run).inspect(image.ref)) !== null;
  }
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
      if (action === 'retag' && source) {
        await mk.tag(source, record.ref);
        return 'tagged (image ID already present, no transfer)';
      }
      await mk.load(record.ref);
      return 'loaded';
    }
    case 'kind':
      return (await new Kind(run, target.name).load(record.ref)) ? 'loaded' : 'already present';
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
