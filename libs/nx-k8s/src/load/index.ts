// The load stage: get a built image into the cluster's runtime, doing no transfer when the
// runtime already holds that image ID.
import { Docker } from '../adapters/docker';
import { Containerd, normalizeRef } from '../adapters/containerd';
import { Kind } from '../adapters/kind';
import { Minikube } from '../adapters/minikube';
import { Runner } from '../adapters/run';
import { ClusterTarget } from '../cluster/detect';
import { ImageRecord } from '../image/record';
import { decideLoad } from './decide';

export { decideLoad } from './decide';

/** What the cluster's pods must reference: the load stage's Nx output, read by the release stage. */
export interface ClusterImage {
  repository: string;
  tag: string;
  ref: string;
}

export type LoadResult = 'loaded' | 'already present' | 'tagged (image ID already present, no transfer)' | 'pushed' | 'shared daemon (nothing to load)';

export function clusterImageFor(record: ImageRecord, target: ClusterTarget): ClusterImage {
  const repository = target.kind === 'registry' ? `${target.host}/${record.repository}` : record.repository;
  return { repository, tag: record.tag, ref: `${repository}:${record.tag}` };
}

/** Whether the runtime holds the image under its name; used by the hasher, so kept to one cheap call. */
export async function isLoaded(record: ImageRecord, target: ClusterTarget, run: Runner): Promise<boolean> {
  switch (target.kind) {
    case 'containerd':
      return (await new Containerd(run, target.address).refs()).has(normalizeRef(record.ref));
    case 'minikube':
      return (await new Minikube(run, target.profile).images()).some((i) => i.repoTags.includes(normalizeRef(record.ref)) || i.repoTags.includes(record.ref));
    case 'kind':
      // kind has no cheap listing from the host; `kind load` itself skips present images.
      return false;
    case 'registry':
      return registryHas(target.host, record.repository, record.tag);
    case 'docker-desktop':
      return (await new Docker(run).inspect(record.ref)) !== null;
  }
}

async function registryHas(host: string, repository: string, tag: string): Promise<boolean> {
  const res = await fetch(`http://${host}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' },
  });
  return res.ok;
}

export async function loadImage(record: ImageRecord, target: ClusterTarget, run: Runner): Promise<LoadResult> {
  const docker = new Docker(run);
  switch (target.kind) {
    case 'containerd': {
      const node = new Containerd(run, target.address);
      const refs = await node.refs();
      const name = normalizeRef(record.ref);
      const action = decideLoad({ name, id: record.id }, { names: refs, ids: refs });
      if (action === 'present') return 'already present';
      if (action === 'retag') {
        await node.tag(record.id, name);
        return 'tagged (image ID already present, no transfer)';
      }
      await node.importFromDocker(docker.saveArgv(record.ref));
      return 'loaded';
    }
    case 'minikube': {
      const mk = new Minikube(run, target.profile);
      const images = await mk.images();
      const names = new Set(images.flatMap((i) => i.repoTags));
      const ids = new Set(images.map((i) => i.id));
      const action = decideLoad({ name: normalizeRef(record.ref), id: record.id }, { names, ids });
      if (action === 'present' || names.has(record.ref)) return 'already present';
      if (action === 'retag') {
        const source = images.find((i) => i.id === record.id)!.repoTags[0];
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
      if (await registryHas(target.host, record.repository, record.tag)) return 'already present';
      await docker.tag(record.ref, ref);
      await docker.push(ref);
      return 'pushed';
    }
    case 'docker-desktop':
      return 'shared daemon (nothing to load)';
  }
}
