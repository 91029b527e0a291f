// docker CLI adapter: argument arrays for build/inspect/tag/push/save and parsers for
// their output. The Docker Image record of the data model is read from `image inspect`.
import { Runner, runOk } from './run';

export type Builder = 'buildkit' | 'legacy';

export interface ImageInspect {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  created: string;
  size: number;
  layers: string[];
}

export class DockerDaemonDownError extends Error {
  constructor(detail: string) {
    super(
      `no Docker daemon answers (${detail.trim().split('\n').pop()}). Fix: start it (systemctl start docker, or start Docker Desktop), or point DOCKER_HOST at a running one`,
    );
  }
}

/** Quick questions to the daemon (version, inspect, tag) answer in well under a second when it is healthy. */
const QUICK = { timeout: 30_000, stalled: 'is the Docker daemon wedged? Fix: restart it (systemctl restart docker, or restart Docker Desktop)' };

export function buildArgs(o: {
  dockerfile: string;
  context: string;
  ref: string;
  iidFile: string;
  buildArgs: Record<string, string>;
  target?: string;
  builder: Builder;
}): string[] {
  const args = ['build', '-f', o.dockerfile, '-t', o.ref, '--iidfile', o.iidFile];
  if (o.builder === 'buildkit') args.push('--progress=plain');
  for (const [k, v] of Object.entries(o.buildArgs).sort(([a], [b]) => a.localeCompare(b))) args.push('--build-arg', `${k}=${v}`);
  if (o.target) args.push('--target', o.target);
  args.push(o.context);
  return args;
}

/** The environment that selects the builder: the legacy one must be asked for explicitly. */
export function builderEnv(builder: Builder): NodeJS.ProcessEnv {
  return { ...process.env, DOCKER_BUILDKIT: builder === 'buildkit' ? '1' : '0' };
}

/** `docker image inspect` JSON (an array) to the fields of the Docker Image record. */
export function parseInspect(stdout: string): ImageInspect | null {
  const parsed = JSON.parse(stdout || '[]') as Array<{
    Id: string;
    RepoTags?: string[];
    RepoDigests?: string[];
    Created: string;
    Size: number;
    RootFS?: { Layers?: string[] };
  }>;
  const i = parsed[0];
  if (!i) return null;
  return {
    id: i.Id,
    repoTags: i.RepoTags ?? [],
    repoDigests: i.RepoDigests ?? [],
    created: i.Created,
    size: i.Size,
    layers: i.RootFS?.Layers ?? [],
  };
}

/** Legacy-builder progress lines ("Step 3/12 : RUN npm ci") and BuildKit's ("#7 [build 3/7] RUN ..."). */
export function parseProgress(line: string): { step: number; total: number; text: string } | null {
  const legacy = /^Step (\d+)\/(\d+) : (.*)$/.exec(line.trim());
  if (legacy) return { step: +legacy[1], total: +legacy[2], text: legacy[3] };
  const bk = /^#\d+ \[(?:[\w-]+ )?(\d+)\/(\d+)\] (.*)$/.exec(line.trim());
  if (bk) return { step: +bk[1], total: +bk[2], text: bk[3] };
  return null;
}

/**
 * A base image missing from Docker makes it try a pull, which cannot work offline: name the
 * image. `output` is stdout + stderr: the legacy builder names the image only in its
 * "Step n/m : FROM x" line, and the error only names the registry it tried.
 */
export function missingBaseImage(output: string): string | null {
  const denied = /pull access denied for ([^\s,]+)/i.exec(output);
  if (denied) return denied[1];
  const pullFailed = /registry-1\.docker\.io|manifest unknown|manifest for \S+ not found|failed to resolve source metadata|no such host/i.test(output);
  const froms = [...output.matchAll(/^Step \d+\/\d+ : FROM (\S+)/gm)];
  return pullFailed && froms.length > 0 ? froms[froms.length - 1][1] : null;
}

export class Docker {
  constructor(private readonly run: Runner) {}

  async serverVersion(): Promise<string> {
    const r = await this.run('docker', ['version', '--format', '{{.Server.Version}}'], QUICK);
    if (r.exitCode !== 0) throw new DockerDaemonDownError(r.stderr || r.stdout);
    return r.stdout.trim();
  }

  /** BuildKit when the CLI can reach it (buildx plugin, or a pre-23 CLI with BuildKit built in), else legacy. */
  async detectBuilder(): Promise<Builder> {
    if ((await this.run('docker', ['buildx', 'version'], QUICK)).exitCode === 0) return 'buildkit';
    const client = await this.run('docker', ['version', '--format', '{{.Client.Version}}'], QUICK);
    const major = parseInt(client.stdout.trim().split('.')[0], 10);
    return major > 0 && major < 23 ? 'buildkit' : 'legacy';
  }

  async inspect(ref: string): Promise<ImageInspect | null> {
    const r = await this.run('docker', ['image', 'inspect', ref], QUICK);
    if (r.exitCode !== 0) {
      if (/no such (image|object)/i.test(r.stderr) || r.stdout.trim() === '[]') return null;
      throw new DockerDaemonDownError(r.stderr);
    }
    return parseInspect(r.stdout);
  }

  async tag(source: string, target: string): Promise<void> {
    await runOk(this.run, 'docker', ['tag', source, target], QUICK);
  }

  async push(ref: string): Promise<void> {
    await runOk(this.run, 'docker', ['push', ref]);
  }

  /** A program run inside a running container (a kind node's ctr). */
  async exec(container: string, argv: string[]): Promise<string> {
    return (await runOk(this.run, 'docker', ['exec', container, ...argv], QUICK)).stdout;
  }

  /** docker save argv, for piping into a runtime's import. */
  saveArgv(ref: string): string[] {
    return ['docker', 'save', ref];
  }
}
