// minikube adapter (contracts: shared/notes/cli-contracts.md). Run for real by the e2e against
// minikube v1.38.1 with the none driver (tools/minikube); the parsers' fixtures are its output.
import { Runner, runOk } from './run';

export interface MinikubeImage {
  id: string;
  repoTags: string[];
}

/**
 * `minikube image ls --format json`: the docker runtime strips `sha256:` and adds docker.io/library/;
 * an image without a name (one a container still runs after its tag was removed) is listed as `<none>`, no name.
 */
export function parseImageList(stdout: string): MinikubeImage[] {
  return (JSON.parse(stdout || '[]') as Array<{ id: string; repoTags?: string[] }>).map((i) => ({
    id: i.id.startsWith('sha256:') ? i.id : `sha256:${i.id}`,
    repoTags: (i.repoTags ?? []).filter((t) => !t.includes('<none>')),
  }));
}

/** `image ls` asks the node over ssh: seconds when healthy, never when the VM or its runtime hangs. */
const LISTING = (profile: string) => ({
  timeout: 60_000,
  stalled: `is the minikube node of profile '${profile}' or its container runtime hung? Fix: minikube -p ${profile} stop, then minikube -p ${profile} start`,
});

export class Minikube {
  constructor(
    private readonly run: Runner,
    readonly profile: string,
  ) {}

  async images(): Promise<MinikubeImage[]> {
    const r = await runOk(this.run, 'minikube', ['-p', this.profile, 'image', 'ls', '--format', 'json'], LISTING(this.profile));
    return parseImageList(r.stdout);
  }

  async load(ref: string): Promise<void> {
    await runOk(this.run, 'minikube', ['-p', this.profile, 'image', 'load', '--daemon=true', ref]);
  }

  async tag(source: string, target: string): Promise<void> {
    await runOk(this.run, 'minikube', ['-p', this.profile, 'image', 'tag', source, target], LISTING(this.profile));
  }
}
