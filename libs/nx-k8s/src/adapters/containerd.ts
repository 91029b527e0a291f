// ctr adapter for a containerd node (tools/local-cluster, kubeadm, bare nodes). Images for
// Kubernetes live in containerd's k8s.io namespace; the CRI plugin adds a `sha256:<id>` ref
// for every image it knows, which is how an image ID is found under any name.
import { pipe, Runner, runOk } from './run';

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

export class Containerd {
  constructor(
    private readonly run: Runner,
    readonly address: string,
  ) {}

  /** Every image ref in the node (names and `sha256:` IDs). */
  async refs(): Promise<Set<string>> {
    const [cmd, ...args] = ctrArgv(this.address, ['images', 'list', '--quiet']);
    const r = await runOk(this.run, cmd, args, { timeout: 30_000 });
    return new Set(r.stdout.split('\n').map((l) => l.trim()).filter(Boolean));
  }

  async tag(source: string, target: string): Promise<void> {
    const [cmd, ...args] = ctrArgv(this.address, ['images', 'tag', '--force', source, target]);
    await runOk(this.run, cmd, args);
  }

  /** `docker save REF | ctr images import -`, without a shell. */
  async importFromDocker(saveArgv: string[]): Promise<void> {
    const r = await pipe(saveArgv, ctrArgv(this.address, ['images', 'import', '-']));
    if (r.from.exitCode !== 0) throw new Error(`${saveArgv.join(' ')} failed: ${r.from.stderr.trim()}`);
    if (r.to.exitCode !== 0) throw new Error(`ctr images import failed: ${(r.to.stderr || r.to.stdout).trim()}`);
  }
}
