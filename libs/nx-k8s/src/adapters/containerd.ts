// ctr adapter for a containerd node (kubeadm, k3s, bare nodes). Images for
// Kubernetes live in containerd's k8s.io namespace; the CRI plugin adds a `sha256:<id>` ref
// for every image it knows, which is how an image ID is found under any name.
import { createConnection } from 'net';
import { pipe, Piper, Runner, runOk } from './run';

export function ctrArgv(address: string, args: string[]): string[] {
  return ['ctr', '--address', address, '--namespace', 'k8s.io', ...args];
}

/** Docker's short names as containerd stores them: todo-frontend:x -> docker.io/library/todo-frontend:x */
export function normalizeRef(ref: string): string {
  const [first] = ref.split('/');
  const hasRegistry = ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return ref;
  return ref.includes('/') ? `docker.io/${ref}` : `docker.io/library/${ref}`;
}

/** One line of `ctr images list`: a ref and the manifest it points at. */
export interface ContainerdRef {
  ref: string;
  digest: string;
}

/** An image in the node: its manifest, the CRI's image ID for it (when the CRI knows it) and the names pointing at it. */
export interface ContainerdImage {
  digest: string;
  id: string | null;
  names: string[];
}

/** `ctr images list`: REF TYPE DIGEST SIZE PLATFORMS LABELS; the first three never hold spaces (SIZE does). */
export function parseImageList(stdout: string): ContainerdRef[] {
  const [header, ...lines] = stdout.split('\n');
  if (!/^REF\s+TYPE\s+DIGEST\b/.test(header ?? ''))
    throw new Error(`ctr images list printed no REF TYPE DIGEST header (got '${(header ?? '').slice(0, 60)}'). Fix: use containerd 1.5 or newer`);
  return lines
    .map((l) => l.trim().split(/\s+/))
    .filter(([ref, , digest]) => ref && digest?.startsWith('sha256:'))
    .map(([ref, , digest]) => ({ ref, digest }));
}

/** Refs grouped by the manifest they point at; the CRI's `sha256:<id>` ref gives the image ID. */
export function imagesByManifest(refs: ContainerdRef[]): ContainerdImage[] {
  const byDigest = new Map<string, ContainerdImage>();
  for (const { ref, digest } of refs) {
    const image = byDigest.get(digest) ?? { digest, id: null, names: [] };
    if (/^sha256:[0-9a-f]{64}$/.test(ref)) image.id = ref;
    else image.names.push(ref);
    byDigest.set(digest, image);
  }
  return [...byDigest.values()];
}

const stalled = (address: string) =>
  `is containerd at ${address} wedged or stopped? Fix: restart containerd on the node (systemctl restart containerd, or your cluster's own command)`;

/**
 * Listings shared by callers in one process (several hashers of one nx run): a listing in
 * flight, or finished less than LISTING_REUSE_MS ago, is reused rather than asked again.
 */
export const LISTING_REUSE_MS = 2000;
const listings = new WeakMap<Runner, Map<string, { images: Promise<ContainerdImage[]>; doneAt: number | null }>>();

export class Containerd {
  constructor(
    private readonly run: Runner,
    readonly address: string,
    private readonly transfer: Piper = pipe,
  ) {}

  /** Every image in the node's k8s.io namespace, from one `ctr images list`. */
  images(): Promise<ContainerdImage[]> {
    let byAddress = listings.get(this.run);
    if (!byAddress) listings.set(this.run, (byAddress = new Map()));
    const cached = byAddress.get(this.address);
    if (cached && (cached.doneAt === null || Date.now() - cached.doneAt < LISTING_REUSE_MS)) return cached.images;
    const [cmd, ...args] = ctrArgv(this.address, ['images', 'list']);
    const entry = {
      images: runOk(this.run, cmd, args, { timeout: 30_000, stalled: stalled(this.address) }).then((r) => imagesByManifest(parseImageList(r.stdout))),
      doneAt: null as number | null,
    };
    const table = byAddress;
    entry.images.then(
      () => (entry.doneAt = Date.now()),
      () => table.get(this.address) === entry && table.delete(this.address),
    );
    table.set(this.address, entry);
    return entry.images;
  }

  /** The node's images change: later listings must ask it again. */
  private forgetListing(): void {
    listings.get(this.run)?.delete(this.address);
  }

  async tag(source: string, target: string): Promise<void> {
    const [cmd, ...args] = ctrArgv(this.address, ['images', 'tag', '--force', source, target]);
    try {
      await runOk(this.run, cmd, args, { timeout: 30_000, stalled: stalled(this.address) });
    } finally {
      this.forgetListing();
    }
  }

  /** `docker save REF | ctr images import -`, without a shell. */
  async importFromDocker(saveArgv: string[]): Promise<void> {
    const watch = watchSocket(this.address);
    try {
      await this.transfer(saveArgv, ctrArgv(this.address, ['images', 'import', '-']), {
        // A large image over a slow disk takes minutes; a wedged daemon never finishes.
        timeout: 15 * 60_000,
        signal: watch.signal,
        fix: {
          from: `check that Docker holds the image (docker image inspect ${saveArgv[saveArgv.length - 1]})`,
          to: `check the node's free disk space and that containerd answers (ctr --address ${this.address} version)`,
          timeout: `check that the Docker daemon and containerd at ${this.address} answer (docker version; ctr --address ${this.address} version)`,
        },
      });
    } finally {
      watch.stop();
      this.forgetListing();
    }
  }
}

/** How often, and how many refusals in a row, before an import is given up as orphaned. */
export const SOCKET_WATCH = { everyMs: 1000, refusals: 3 };

/**
 * Aborts when containerd's socket refuses connections SOCKET_WATCH.refusals times in a row.
 * A ctr whose containerd went away before its next call waits for it to come back, for ever
 * (seen with containerd 1.6: killed before docker save's first bytes, ctr never exits).
 * Addresses that are not a socket path (tcp) are not watched.
 */
export function watchSocket(address: string): { signal: AbortSignal; stop: () => void } {
  const controller = new AbortController();
  const path = address.replace(/^unix:\/\//, '');
  if (!path.startsWith('/')) return { signal: controller.signal, stop: () => undefined };
  let refused = 0;
  const timer = setInterval(() => {
    const probe = createConnection({ path });
    probe.once('connect', () => ((refused = 0), probe.destroy()));
    probe.once('error', (e: NodeJS.ErrnoException) => {
      if (++refused < SOCKET_WATCH.refusals || controller.signal.aborted) return;
      const seconds = (SOCKET_WATCH.everyMs * SOCKET_WATCH.refusals) / 1000;
      controller.abort(
        new Error(
          `containerd at ${address} stopped answering during the import (${e.code ?? e.message} for ${seconds} s). Fix: start containerd on the node again (systemctl start containerd, or your cluster's own command), then rerun`,
        ),
      );
    });
  }, SOCKET_WATCH.everyMs);
  timer.unref();
  return { signal: controller.signal, stop: () => clearInterval(timer) };
}
