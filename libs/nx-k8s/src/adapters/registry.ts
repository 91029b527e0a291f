// Registry adapter (the Docker Registry HTTP API v2 that `docker push` talks to): the only
// place that builds a registry's URLs and reads its answers. Its HTTP client is a seam, as the
// Runner is for programs.
import { logger } from '@nx/devkit';

/** fetch()'s shape. */
export type Http = (url: string, init: RequestInit) => Promise<Response>;

export const REGISTRY_TIMEOUT_MS = 10_000;

export class Registry {
  constructor(
    readonly host: string,
    private readonly http: Http = (url, init) => fetch(url, init),
  ) {}

  /** Whether the registry has repository:tag (HEAD on its manifest), within a time limit: the hasher waits for it. */
  async has(repository: string, tag: string, timeoutMs = REGISTRY_TIMEOUT_MS): Promise<boolean> {
    const host = this.host;
    const path = `/v2/${repository}/manifests/${tag}`;
    const fix = 'Fix: start the registry, or correct option registry (or the kube-public/local-registry-hosting ConfigMap that names it)';
    let res: Response;
    logger.verbose(`nx-k8s: HEAD http://${host}${path}`);
    try {
      res = await this.http(`http://${host}${path}`, {
        method: 'HEAD',
        headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      if (err.name === 'TimeoutError')
        throw new Error(`registry ${host} did not answer HEAD ${path} within ${timeoutMs / 1000} s: is it running and reachable from this machine? ${fix}`, {
          cause: e,
        });
      throw new Error(`registry ${host} does not answer (${err.cause?.code ?? err.cause?.message ?? err.message}). ${fix}`, { cause: e });
    }
    return res.ok;
  }
}
