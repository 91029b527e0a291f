// Helm Chart rules of the data model that hold before rendering: Chart.yaml is valid YAML with the
// required fields and a semantic version, file:// dependencies exist (with a version the
// dependency accepts), and Chart.lock matches Chart.yaml the way `helm dependency build` checks it.
import { createHash } from 'crypto';
import { parseDocument } from 'yaml';
import { Violation } from '../violation';

/** Semantic Versioning 2.0.0, as the data model requires (MAJOR.MINOR.PATCH, optional pre-release and build). */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** The first line of a yaml parse error, without the colon that introduces its code excerpt. */
export function yamlError(message: string): string {
  return message.split('\n')[0].replace(/:\s*$/, '');
}

export function isSemver(v: string): boolean {
  return SEMVER.test(v);
}

export interface Dependency {
  name: string;
  version?: string;
  repository?: string;
  condition?: string;
  tags?: string[];
  enabled?: boolean;
  'import-values'?: unknown[];
  alias?: string;
}

export interface ChartMetadata {
  apiVersion?: string;
  name?: string;
  version?: string;
  dependencies?: Dependency[];
  [field: string]: unknown;
}

/** Parses and checks a Chart.yaml; `metadata` is null when it is unusable for rendering. */
export function chartYamlRules(file: string, text: string): { metadata: ChartMetadata | null; violations: Violation[] } {
  const doc = parseDocument(text);
  const resource = 'Chart/' + (/^name:\s*(\S+)/m.exec(text)?.[1] ?? file.split('/').slice(-2, -1)[0]);
  const base = { file, resource };
  if (doc.errors.length) {
    const e = doc.errors[0];
    return {
      metadata: null,
      violations: [
        {
          ...base,
          line: e.linePos?.[0].line,
          field: '(file)',
          rule: 'chart.yaml-valid',
          message: `Chart.yaml is not valid YAML: ${yamlError(e.message)}`,
          fix: 'correct the YAML syntax (indentation, quoting)',
        },
      ],
    };
  }
  const m = doc.toJS() as ChartMetadata;
  if (m === null || typeof m !== 'object' || Array.isArray(m)) {
    return {
      metadata: null,
      violations: [
        {
          ...base,
          field: '(file)',
          rule: 'chart.yaml-valid',
          message: 'Chart.yaml is not a YAML mapping',
          fix: 'write Chart.yaml as apiVersion, name, version, ... fields',
        },
      ],
    };
  }
  const violations: Violation[] = [];
  for (const field of ['apiVersion', 'name', 'version'] as const) {
    if (typeof m[field] !== 'string' || m[field] === '') {
      violations.push({
        ...base,
        field,
        rule: 'chart.required-fields',
        message: `Chart.yaml has no ${field}`,
        fix: field === 'apiVersion' ? 'add apiVersion: v2' : field === 'version' ? 'add version: 0.1.0 (a semantic version)' : 'add name: <chart name>',
      });
    }
  }
  if (typeof m.apiVersion === 'string' && m.apiVersion !== '' && !['v1', 'v2'].includes(m.apiVersion)) {
    violations.push({
      ...base,
      field: 'apiVersion',
      rule: 'chart.required-fields',
      message: `apiVersion ${JSON.stringify(m.apiVersion)} is not a Helm chart API version`,
      fix: 'use apiVersion: v2',
    });
  }
  if (typeof m.version === 'string' && m.version !== '' && !isSemver(m.version)) {
    violations.push({
      ...base,
      field: 'version',
      rule: 'chart.version-semver',
      message: `version ${JSON.stringify(m.version)} is not a semantic version (MAJOR.MINOR.PATCH)`,
      fix: `use e.g. ${suggestVersion(m.version)}`,
    });
  } else if (m.version !== undefined && typeof m.version !== 'string') {
    violations.push({
      ...base,
      field: 'version',
      rule: 'chart.version-semver',
      message: `version ${JSON.stringify(m.version)} is a ${typeof m.version}, not a semantic version string`,
      fix: `quote it as a full version, e.g. version: "${suggestVersion(String(m.version))}"`,
    });
  }
  return { metadata: violations.length ? null : m, violations };
}

function suggestVersion(v: string): string {
  const nums = (v.match(/\d+/g) ?? []).slice(0, 3).map(Number);
  while (nums.length < 3) nums.push(0);
  return nums.join('.');
}

/** What a file:// dependency resolves to: the Chart.yaml found there, or null. */
export interface ResolvedDependency {
  dependency: Dependency;
  /** Workspace-relative directory the repository points at. */
  dir: string;
  found: { name?: string; version?: string } | null;
}

export function fileDependencyRules(chartFile: string, chartName: string, deps: readonly ResolvedDependency[]): Violation[] {
  const out: Violation[] = [];
  for (const { dependency: d, dir, found } of deps) {
    const base = {
      file: chartFile,
      resource: `Chart/${chartName}`,
      field: `dependencies[${d.name}].repository`,
      rule: 'chart.file-dependencies-exist' as const,
    };
    if (!found) {
      out.push({
        ...base,
        message: `${d.repository} points at ${dir}, which has no Chart.yaml`,
        fix: 'create the subchart there or correct the file:// path (relative to this chart)',
      });
    } else if (found.name !== d.name) {
      out.push({
        ...base,
        message: `${d.repository} holds chart ${found.name}, not ${d.name}`,
        fix: `name the dependency ${found.name}, or point it at chart ${d.name}`,
      });
    } else if (d.version && found.version && !satisfies(found.version, d.version)) {
      out.push({
        ...base,
        field: `dependencies[${d.name}].version`,
        message: `${dir} is version ${found.version}, which the constraint ${d.version} does not accept`,
        fix: `set the dependency version to ${found.version} (then helm dependency update)`,
      });
    }
  }
  return out;
}

/** Go's encoding/json output for Helm's chart.Dependency (field order and omitempty as in Helm 3). */
function goDependency(d: Dependency): Record<string, unknown> {
  const o: Record<string, unknown> = { name: d.name ?? '' };
  if (d.version) o.version = d.version;
  o.repository = d.repository ?? '';
  if (d.condition) o.condition = d.condition;
  if (d.tags?.length) o.tags = d.tags;
  if (d.enabled) o.enabled = d.enabled;
  if (d['import-values']?.length) o['import-values'] = d['import-values'];
  if (d.alias) o.alias = d.alias;
  return o;
}

function goJson(value: unknown): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([k, x]) => [k, sorted(x)]),
          )
        : v;
  const top = value as Array<Array<Record<string, unknown>>>;
  const text = JSON.stringify(top.map((list) => list.map((d) => ({ ...d, ...(d['import-values'] ? { 'import-values': sorted(d['import-values']) } : {}) }))));
  return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Helm's Chart.lock digest: sha256 of the JSON of [Chart.yaml dependencies, locked dependencies]. */
export function lockDigest(requested: readonly Dependency[], locked: readonly Dependency[]): string {
  return (
    'sha256:' +
    createHash('sha256')
      .update(goJson([requested.map(goDependency), locked.map(goDependency)]))
      .digest('hex')
  );
}

export function chartLockRules(
  chartDir: string,
  chartName: string,
  requested: readonly Dependency[],
  lockText: string | null,
  resolved: readonly ResolvedDependency[],
): Violation[] {
  if (requested.length === 0) return [];
  const file = `${chartDir}/Chart.lock`;
  const base = { file, resource: `Chart/${chartName}`, rule: 'chart.lock-matches' as const };
  const fix = `run helm dependency update ${chartDir} and commit Chart.lock`;
  if (lockText === null) return [{ ...base, field: '(file)', message: 'Chart.yaml declares dependencies but there is no Chart.lock', fix }];
  let lock: { digest?: string; dependencies?: Dependency[] };
  try {
    lock = parseDocument(lockText).toJS() ?? {};
  } catch {
    lock = {};
  }
  const locked = Array.isArray(lock.dependencies) ? lock.dependencies : [];
  for (const d of requested) {
    const l = locked.find((x) => x.name === d.name);
    if (!l) return [{ ...base, field: `dependencies[${d.name}]`, message: `Chart.lock has no entry for dependency ${d.name} of Chart.yaml`, fix }];
    if ((l.repository ?? '') !== (d.repository ?? ''))
      return [
        {
          ...base,
          field: `dependencies[${d.name}].repository`,
          message: `Chart.lock locks ${d.name} from ${l.repository}, Chart.yaml asks for ${d.repository}`,
          fix,
        },
      ];
    if (d.version && l.version && !satisfies(l.version, d.version))
      return [
        {
          ...base,
          field: `dependencies[${d.name}].version`,
          message: `Chart.lock locks ${d.name} ${l.version}, which Chart.yaml's constraint ${d.version} does not accept`,
          fix,
        },
      ];
    const found = resolved.find((r) => r.dependency.name === d.name)?.found;
    if (found?.version && l.version !== found.version)
      return [
        {
          ...base,
          field: `dependencies[${d.name}].version`,
          message: `Chart.lock locks ${d.name} ${l.version}, but ${d.repository} is version ${found.version}`,
          fix,
        },
      ];
  }
  const extra = locked.find((l) => !requested.some((d) => d.name === l.name));
  if (extra) return [{ ...base, field: `dependencies[${extra.name}]`, message: `Chart.lock locks ${extra.name}, which Chart.yaml does not declare`, fix }];
  if (lock.digest !== lockDigest(requested, locked)) {
    return [
      {
        ...base,
        field: 'digest',
        message: 'Chart.lock is out of sync with the dependencies in Chart.yaml (its digest does not match; helm dependency build refuses it)',
        fix,
      },
    ];
  }
  return [];
}

type Version = [number, number, number];

function parseVersion(v: string): Version | null {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+].*)?$/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : null;
}

function cmp(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * Whether a version meets a Helm (Masterminds semver) constraint: =, !=, >, <, >=, <=, ~, ^,
 * x/* wildcards, comma/space for "and", || for "or". Pre-releases compare by their numbers only;
 * an unreadable constraint is accepted (helm itself reports it).
 */
export function satisfies(version: string, constraint: string): boolean {
  const v = parseVersion(version);
  if (!v) return true;
  return constraint.split('||').some((group) =>
    group
      .trim()
      .split(/\s*,\s*|\s+(?=[<>=!~^]|\d)/)
      .filter(Boolean)
      .every((c) => one(v, c.trim())),
  );
}

function one(v: Version, c: string): boolean {
  const m = /^(=|!=|>=|<=|>|<|~>?|\^)?\s*v?([\dxX*]+)(?:\.([\dxX*]+))?(?:\.([\dxX*]+))?(?:[-+].*)?$/.exec(c);
  if (!m) return true;
  const op = m[1] ?? '=';
  const parts = [m[2], m[3], m[4]];
  const wild = parts.findIndex((p) => p === undefined || /^[xX*]$/.test(p));
  const base: Version = [0, 1, 2].map((i) => (wild !== -1 && i >= wild ? 0 : Number(parts[i]))) as Version;
  const upper = (level: number): Version => (level === 0 ? [base[0] + 1, 0, 0] : level === 1 ? [base[0], base[1] + 1, 0] : [base[0], base[1], base[2] + 1]);
  switch (op) {
    case '=':
      return wild === -1 ? cmp(v, base) === 0 : wild === 0 || (cmp(v, base) >= 0 && cmp(v, upper(wild - 1)) < 0);
    case '!=':
      return cmp(v, base) !== 0;
    case '>':
      return cmp(v, base) > 0;
    case '<':
      return cmp(v, base) < 0;
    case '>=':
      return cmp(v, base) >= 0;
    case '<=':
      return cmp(v, base) <= 0;
    case '^': {
      const level = base[0] > 0 || wild === 1 ? 0 : base[1] > 0 || wild === 2 ? 1 : 2;
      return cmp(v, base) >= 0 && cmp(v, upper(level)) < 0;
    }
    default: // ~ and ~>
      return cmp(v, base) >= 0 && cmp(v, upper(wild === 1 ? 0 : 1)) < 0;
  }
}
