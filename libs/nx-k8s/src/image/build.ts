// The image stage: build an app's image with the real Docker CLI and describe it.
import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { buildArgs, builderEnv, Docker, missingBaseImage, parseProgress } from '../adapters/docker';
import { Runner } from '../adapters/run';
import { ImageRecord, toRecord } from './record';

export interface BuildSpec {
  /** Paths relative to the workspace root. */
  dockerfile: string;
  context: string;
  repository: string;
  tag: string;
  buildArgs: Record<string, string>;
  target?: string;
}

export interface BuildOutcome {
  record: ImageRecord;
  /** built: docker build ran; reused: the daemon already had this content-addressed tag. */
  result: 'built' | 'reused';
  seconds: number;
}

export type Log = (line: string) => void;

/** Builds the image unless the daemon already has its tag (tags are content-addressed). */
export async function ensureImage(spec: BuildSpec, workspaceRoot: string, run: Runner, log: Log, opts: { force?: boolean } = {}): Promise<BuildOutcome> {
  const started = Date.now();
  const docker = new Docker(run);
  await docker.serverVersion();
  const ref = `${spec.repository}:${spec.tag}`;
  const dockerfile = join(workspaceRoot, spec.dockerfile);
  if (!existsSync(dockerfile)) throw new Error(`Dockerfile ${spec.dockerfile} does not exist. Fix: create it, or correct option dockerfile`);
  if (!existsSync(join(workspaceRoot, spec.context))) throw new Error(`build context ${spec.context} does not exist. Fix: correct option context`);

  const builder = await docker.detectBuilder();
  if (!opts.force) {
    const existing = await docker.inspect(ref);
    if (existing) return { record: toRecord(spec.repository, spec.tag, existing, spec.dockerfile, builder), result: 'reused', seconds: 0 };
  }

  const dir = mkdtempSync(join(tmpdir(), 'nx-k8s-build-'));
  try {
    const iidFile = join(dir, 'iid');
    log(`building ${ref} from ${spec.dockerfile} (${builder === 'buildkit' ? 'BuildKit' : 'legacy builder'})`);
    let pending = '';
    const r = await run('docker', buildArgs({ ...spec, ref, iidFile, builder }), {
      cwd: workspaceRoot,
      env: builderEnv(builder),
      onOutput: (chunk) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          const p = parseProgress(line);
          if (p) log(`  step ${p.step}/${p.total}: ${p.text.slice(0, 100)}`);
        }
      },
    });
    if (r.exitCode !== 0) {
      const base = missingBaseImage(r.stdout + r.stderr);
      if (base)
        throw new Error(
          `docker build of ${ref} needs base image ${base}, which is not in Docker and cannot be pulled. Fix: build it (docker build -t ${base} ...) or pull it from a registry this machine can reach, or pass another base through option buildArgs`,
        );
      const tail = (r.stderr || r.stdout).trim().split('\n').slice(-8).join('\n');
      throw new Error(`docker build of ${ref} (${spec.dockerfile}) failed:\n${tail}`);
    }
    const inspect = await docker.inspect(ref);
    if (!inspect) throw new Error(`docker build reported success but ${ref} is not in Docker`);
    return { record: toRecord(spec.repository, spec.tag, inspect, spec.dockerfile, builder), result: 'built', seconds: (Date.now() - started) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
