import { cpSync, existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { basename, join, resolve } from 'path';
import execa from 'execa';
import { parseAllDocuments } from 'yaml';

/** charts/ in the workspace: the umbrella's `file://../frontend` dependencies resolve inside it. */
const CHARTS = resolve(__dirname, '../..');

/** $HELM if set, else the build of tools/setup/helm.sh, else helm on PATH. */
export function helmBinary(): string {
  if (process.env.HELM) return process.env.HELM;
  const cached = join(process.env.NX_K8S_CACHE ?? '/var/cache/nx-k8s', 'bin', 'helm');
  return existsSync(cached) ? cached : 'helm';
}

export interface HelmResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // Parsed YAML: the specs navigate it freely and assert on what they find.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests of any kind; a wrong path fails the assertion that reads it
  [field: string]: any;
}

/**
 * A private copy of the three charts, with the umbrella's dependencies built. Each spec file
 * makes its own so that parallel workers never write the same charts/*.tgz, and so that the
 * tests leave the workspace untouched. Helm's config, cache and data live in the copy too.
 */
export class ChartWorkspace {
  readonly root = mkdtempSync(join(tmpdir(), 'todo-app-chart-'));
  readonly umbrella = join(this.root, 'todo-app');
  private readonly env = {
    HELM_CONFIG_HOME: join(this.root, '.helm/config'),
    HELM_CACHE_HOME: join(this.root, '.helm/cache'),
    HELM_DATA_HOME: join(this.root, '.helm/data'),
  };

  constructor() {
    for (const chart of ['todo-app', 'frontend', 'backend']) {
      cpSync(join(CHARTS, chart), join(this.root, chart), {
        recursive: true,
        // Only chart files: not the Nx project's tests and tooling, not packages built in place.
        filter: (src) => !['tests', 'node_modules'].includes(basename(src)) && !src.endsWith('.tgz'),
      });
    }
  }

  async helm(args: string[]): Promise<HelmResult> {
    const result = await execa(helmBinary(), args, { cwd: this.root, env: this.env, reject: false });
    // No exit code: helm did not run (missing binary) or was killed; every assertion after would mislead.
    // The message leaves out the arguments, which may hold secret values.
    if (typeof result.exitCode !== 'number') {
      const why = (result as Partial<execa.ExecaError>).originalMessage ?? result.signal ?? 'no exit code';
      throw new Error(`helm ${args[0]}: ${why}. Fix: run 'bash tools/setup/helm.sh', or set HELM to a helm 3 binary.`);
    }
    return result;
  }

  async dependencyBuild(): Promise<void> {
    const result = await this.helm(['dependency', 'build', this.umbrella]);
    if (result.exitCode !== 0) throw new Error(`helm dependency build failed:\n${result.stderr}`);
  }

  /** Path of a values file of the umbrella chart, e.g. values('dev'). */
  values(env: 'dev' | 'prod'): string {
    return join(this.umbrella, `values-${env}.yaml`);
  }

  /** Runs `helm template` as release todo-app; the raw output is never printed (it may hold secrets). */
  async template(args: string[]): Promise<{ raw: string; manifests: Manifest[] }> {
    const result = await this.helm(['template', 'todo-app', this.umbrella, ...args]);
    if (result.exitCode !== 0) throw new Error(`helm template failed (exit ${result.exitCode}):\n${result.stderr}`);
    const manifests = parseAllDocuments(result.stdout)
      .map((doc) => doc.toJS() as Manifest | null)
      .filter((m): m is Manifest => m !== null);
    return { raw: result.stdout, manifests };
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export function find(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) {
    const present = manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ');
    throw new Error(`no ${kind}/${name} among: ${present}`);
  }
  return found;
}
