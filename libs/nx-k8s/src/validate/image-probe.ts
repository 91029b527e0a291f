// Which image values the templates read: every image value of a configuration is set to a
// marker of its own (a tag and a digest no chart ships), the chart is rendered once more, and a
// value is read when its marker appears in a container's image. Decisions only; index.ts renders.
import type { ImageValue, ResolvedImage } from '../release/images';
import { valuesForImage } from '../release/images';
import { containersOf, Manifest, podTemplates } from './manifests';

export interface ImageProbe {
  /** Values path -> marker value, as helm-install would set a loaded image there. */
  values: Record<string, string>;
  /** Image value path -> the strings that show it in a rendered image (its tag, its digest). */
  markers: Record<string, string[]>;
}

/** Equal width, so no marker is a prefix of another. */
const marker = (i: number) => `nxk8sprobe${String(i).padStart(4, '0')}`;

export function imageProbe(candidates: readonly ImageValue[]): ImageProbe {
  const values: Record<string, string> = {};
  const markers: Record<string, string[]> = {};
  candidates.forEach((c, i) => {
    const tag = marker(i);
    const digest = `sha256:${tag.padEnd(64, '0')}`;
    const repository = `nx-k8s-probe/${tag}`;
    const image: ResolvedImage = { path: c.path, project: '', shape: c.shape };
    Object.assign(values, valuesForImage(image, { repository, tag, ref: `${repository}:${tag}`, digest }, ''));
    markers[c.path] = [tag, digest.slice('sha256:'.length)];
  });
  return { values, markers };
}

/** The image value paths whose marker a container (or init container) of the rendered workloads runs. */
export function readImagePaths(probe: ImageProbe, manifests: readonly Manifest[]): Set<string> {
  const images = podTemplates(manifests).flatMap((t) => containersOf(t, true).map(({ c }) => (typeof c.image === 'string' ? c.image : '')));
  return new Set(Object.keys(probe.markers).filter((path) => probe.markers[path].some((m) => images.some((image) => image.includes(m)))));
}
