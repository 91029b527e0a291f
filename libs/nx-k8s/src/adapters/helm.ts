// helm adapter: argv for upgrade --install / status / rollback / uninstall / dependency build / template /
// get manifest, and parsers for `helm status -o json` and `helm get manifest`.
import { parseAllDocuments } from 'yaml';
import { Runner, runOk } from './run';
import { gunzipSync } from 'zlib';

export type ReleaseStatus =
  'deployed' | 'failed' | 'pending-install' | 'pending-upgrade' | 'pending-rollback' | 'superseded' | 'uninstalling' | 'uninstalled' | 'unknown';

export interface ReleaseInfo {
  name: string;
  namespace: string;
  revision: number;
  status: ReleaseStatus;
  description: string;
  /** The rendered objects of this revision (helm status -o json carries the whole release). */
  manifest: string;
}

export interface UpgradeArgs {
  release: string;
  chart: string;
  namespace: string;
  valuesFiles: string[];
  /** A values document for helm's standard input (`--values -`), applied after the files; null for none. */
  stdinValues: string | null;
  description: string;
  createNamespace: boolean;
  timeoutSeconds: number;
}

export function upgradeArgv(a: UpgradeArgs, context: string): string[] {
  const args = ['upgrade', '--install', a.release, a.chart, '--namespace', a.namespace, '--kube-context', context];
  if (a.createNamespace) args.push('--create-namespace');
  // Without values flags helm would silently reuse the last release's values; we always
  // pass the full set, and --reset-values makes that explicit.
  args.push('--reset-values');
  for (const f of a.valuesFiles) args.push('--values', f);
  if (a.stdinValues !== null) args.push('--values', '-');
  args.push('--description', a.description, '--timeout', `${a.timeoutSeconds}s`);
  return args;
}

export function parseStatus(stdout: string): ReleaseInfo {
  const s = JSON.parse(stdout);
  return {
    name: s.name,
    namespace: s.namespace,
    revision: s.version,
    status: (s.info?.status ?? 'unknown') as ReleaseStatus,
    description: s.info?.description ?? '',
    manifest: typeof s.manifest === 'string' ? s.manifest : '',
  };
}

/** A release as helm stores it: the Secret's data is base64 of base64 of gzipped JSON, the JSON `helm status -o json` prints. */
export function parseStoredRelease(secretData: string): ReleaseInfo {
  const stored = Buffer.from(Buffer.from(secretData, 'base64').toString('utf8'), 'base64');
  const json = stored[0] === 0x1f && stored[1] === 0x8b ? gunzipSync(stored) : stored;
  return parseStatus(json.toString('utf8'));
}

/** `helm history -o json` -> revisions, oldest first. */
export function parseHistory(stdout: string): Array<{ revision: number; status: ReleaseStatus }> {
  return (JSON.parse(stdout || '[]') as Array<{ revision: number; status: ReleaseStatus }>).map((h) => ({ revision: h.revision, status: h.status }));
}

export interface TemplateOptions {
  /** Render values that the charts' values.schema.json rejects (validation reports those itself and checks the rest). */
  skipSchemaValidation?: boolean;
  /** `.Capabilities.KubeVersion` to render for (e.g. v1.34.4); without it helm's built-in default. */
  kubeVersion?: string;
}

/** `helm template` never contacts a cluster (no --validate, no lookup against a server). */
export function templateArgv(
  release: string,
  chart: string,
  namespace: string,
  valuesFiles: string[],
  stdinValues: string | null,
  options: TemplateOptions = {},
): string[] {
  const args = ['template', release, chart, '--namespace', namespace];
  for (const f of valuesFiles) args.push('--values', f);
  if (stdinValues !== null) args.push('--values', '-');
  if (options.skipSchemaValidation) args.push('--skip-schema-validation');
  if (options.kubeVersion) args.push('--kube-version', options.kubeVersion);
  return args;
}

/** The release's objects as helm stored them at its last revision (hooks are not part of it). */
export function getManifestArgv(release: string, namespace: string, context: string): string[] {
  return ['get', 'manifest', release, '--namespace', namespace, '--kube-context', context];
}

/** `helm get manifest` -> its documents as plain data, empty ones (a template that rendered nothing) left out. */
export function parseManifest(stdout: string): unknown[] {
  const docs: unknown[] = [];
  for (const d of parseAllDocuments(stdout)) {
    if (d.errors.length)
      throw new Error(
        `helm get manifest printed a document that is not YAML (${d.errors[0].message.split('\n')[0]}). Fix: run helm get manifest to see it and correct the template that renders it`,
      );
    const doc = d.toJS();
    if (doc !== null && doc !== undefined) docs.push(doc);
  }
  return docs;
}

export class HelmNotFoundError extends Error {
  constructor() {
    super('helm was not found on PATH. Fix: install helm 3 (https://helm.sh/docs/intro/install/)');
  }
}

let helmVersion: Promise<string> | undefined;

export class Helm {
  constructor(
    private readonly run: Runner,
    private readonly context: string,
  ) {}

  /** The release, or null when there is none. */
  async status(release: string, namespace: string): Promise<ReleaseInfo | null> {
    const r = await this.run('helm', ['status', release, '--namespace', namespace, '--kube-context', this.context, '-o', 'json'], { timeout: 30_000 });
    if (r.exitCode !== 0) {
      if (/not found/i.test(r.stderr)) return null;
      throw new Error(`helm status ${release}: ${r.stderr.trim()}`);
    }
    return parseStatus(r.stdout);
  }

  /** The release's manifest documents, or null when there is no such release. */
  async manifest(release: string, namespace: string): Promise<unknown[] | null> {
    const r = await this.run('helm', getManifestArgv(release, namespace, this.context), { timeout: 30_000 });
    if (r.exitCode !== 0) {
      if (/release: not found/i.test(r.stderr)) return null;
      throw new Error(
        `helm get manifest ${release} --namespace ${namespace}: ${r.stderr.trim().split('\n').pop()}. Fix: check that kube context ${this.context} may read the release (helm list -n ${namespace}), or give option forwards`,
      );
    }
    return parseManifest(r.stdout);
  }

  /** Revisions, oldest first; a failure is an error, never an empty history (that would read as "no good revision"). */
  async history(release: string, namespace: string) {
    const r = await runOk(this.run, 'helm', ['history', release, '--namespace', namespace, '--kube-context', this.context, '-o', 'json', '--max', '20'], {
      timeout: 30_000,
    });
    return parseHistory(r.stdout);
  }

  /** `helm version --short`, asked once per process: it is part of every release's desired state. */
  version(): Promise<string> {
    return (helmVersion ??= runOk(this.run, 'helm', ['version', '--short'], { timeout: 30_000 }).then((r) => r.stdout.trim()));
  }

  async upgrade(a: UpgradeArgs, onOutput?: (s: string) => void) {
    return this.run('helm', upgradeArgv(a, this.context), { onOutput, input: a.stdinValues ?? undefined });
  }

  async rollback(release: string, namespace: string, revision: number, timeoutSeconds: number) {
    return this.run('helm', [
      'rollback',
      release,
      String(revision),
      '--namespace',
      namespace,
      '--kube-context',
      this.context,
      '--wait',
      '--timeout',
      `${timeoutSeconds}s`,
    ]);
  }

  async uninstall(release: string, namespace: string) {
    return this.run('helm', ['uninstall', release, '--namespace', namespace, '--kube-context', this.context, '--wait']);
  }

  async dependencyBuild(chart: string) {
    return runOk(this.run, 'helm', ['dependency', 'build', chart, '--skip-refresh']);
  }

  /** Renders the chart without a cluster (used by validation). */
  /** `stdinValues`: a values document applied after the files (as upgradeArgv passes it), or null. */
  async template(release: string, chart: string, namespace: string, valuesFiles: string[], stdinValues: string | null, options: TemplateOptions = {}) {
    return this.run('helm', templateArgv(release, chart, namespace, valuesFiles, stdinValues, options), stdinValues === null ? {} : { input: stdinValues });
  }
}
