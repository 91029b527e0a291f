// Deployment rules of the data model: replicas >= 0, requests <= limits, probes with a valid
// HTTP/TCP/exec handler on a port the container has, container ports unique within the pod, and
// (what the API server would refuse) a selector that matches the pod template. The pod-level
// ones hold for every workload's pod template, so they run on all of them.
import { compareQuantities, parseQuantity } from '../quantity';
import { containersOf, LabelSelector, Manifest, podTemplates, PodTemplate, ref, selects, Yaml } from '../manifests';
import { Violation } from '../violation';

const SCALED = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);
const SELECTED = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'DaemonSet']);

export function deploymentRules(manifests: readonly Manifest[]): Violation[] {
  const out: Violation[] = [];
  for (const m of manifests) {
    if (SCALED.has(m.kind)) out.push(...replicas(m));
    if (SELECTED.has(m.kind) || (m.kind === 'Job' && m.doc.spec?.selector)) out.push(...selector(m));
  }
  for (const t of podTemplates(manifests)) out.push(...requestsWithinLimits(t), ...probes(t), ...uniquePorts(t));
  return out;
}

function replicas(m: Manifest): Violation[] {
  const r = m.doc.spec?.replicas;
  if (r === undefined || r === null || (Number.isInteger(r) && r >= 0)) return [];
  return [
    {
      file: m.file,
      resource: ref(m),
      field: 'spec.replicas',
      rule: 'deployment.replicas-non-negative',
      message: `replicas is ${JSON.stringify(r)}; it must be a whole number >= 0`,
      fix: 'set replicas (replicaCount in the values) to 0 or more',
      blame: { value: String(r) },
    },
  ];
}

function selector(m: Manifest): Violation[] {
  const t = podTemplate0(m);
  const s = m.doc.spec?.selector as LabelSelector | undefined;
  const base = { file: m.file, resource: ref(m), field: 'spec.selector', rule: 'deployment.selector-matches-template' as const };
  if (!s || (Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0)) {
    return [
      {
        ...base,
        message: 'has no selector (matchLabels or matchExpressions)',
        fix: `select the pod template's labels, e.g. matchLabels: ${labelText(t.labels)}`,
      },
    ];
  }
  if (selects(s, t.labels)) return [];
  const wrong = Object.entries(s.matchLabels ?? {})
    .filter(([k, v]) => t.labels[k] !== String(v))
    .map(([k, v]) => `${k}=${v}`);
  const what = wrong.length ? wrong.join(', ') : 'matchExpressions';
  return [
    {
      ...base,
      field: wrong.length ? 'spec.selector.matchLabels' : 'spec.selector.matchExpressions',
      message: `selector ${what} does not match the pod template's labels (${labelText(t.labels)})`,
      fix: `use the same labels in spec.selector and ${t.path.replace(/\.spec$/, '.metadata.labels')}`,
    },
  ];
}

function podTemplate0(m: Manifest): PodTemplate {
  return podTemplates([m])[0];
}

function labelText(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(', ') : 'none';
}

function requestsWithinLimits(t: PodTemplate): Violation[] {
  const out: Violation[] = [];
  for (const { c, path } of containersOf(t, true)) {
    const requests = c.resources?.requests ?? {};
    const limits = c.resources?.limits ?? {};
    const base = { file: t.owner.file, resource: ref(t.owner), rule: 'deployment.requests-within-limits' as const };
    for (const [kind, values] of [
      ['requests', requests],
      ['limits', limits],
    ] as const) {
      for (const [res, v] of Object.entries(values)) {
        if (parseQuantity(v) === null) {
          out.push({
            ...base,
            field: `${path}.resources.${kind}.${res}`,
            message: `${res} ${kind === 'requests' ? 'request' : 'limit'} ${JSON.stringify(v)} is not a Kubernetes quantity, so it cannot be compared`,
            fix: `write a quantity such as ${res === 'cpu' ? '500m or 1' : '512Mi or 1Gi'}`,
            blame: { value: String(v), keys: ['resources', kind, res] },
          });
        }
      }
    }
    for (const [res, req] of Object.entries(requests)) {
      if (!(res in limits)) continue;
      const r = parseQuantity(req);
      const l = parseQuantity(limits[res]);
      if (!r || !l || compareQuantities(r, l) <= 0) continue;
      out.push({
        ...base,
        field: `${path}.resources.requests.${res}`,
        message: `container ${c.name} requests ${res} ${req}, more than its limit ${limits[res]}`,
        fix: `lower requests.${res} to at most ${limits[res]} or raise limits.${res}`,
        blame: { value: String(req), keys: ['resources', 'requests', res] },
      });
    }
  }
  return out;
}

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'];
const HANDLERS = ['httpGet', 'tcpSocket', 'exec', 'grpc'];

function probes(t: PodTemplate): Violation[] {
  const out: Violation[] = [];
  for (const { c, path } of containersOf(t)) {
    const ports: Yaml[] = Array.isArray(c.ports) ? c.ports : [];
    for (const name of PROBES) {
      const p = c[name];
      if (p === undefined || p === null) continue;
      const base = { file: t.owner.file, resource: ref(t.owner), field: `${path}.${name}`, rule: 'deployment.probe-handler' as const };
      const handlers = HANDLERS.filter((h) => p[h] !== undefined && p[h] !== null);
      if (handlers.length === 0) {
        out.push({
          ...base,
          message: `${name} of container ${c.name} has no handler`,
          fix: 'give the probe one of httpGet (path, port), tcpSocket (port) or exec (command)',
        });
        continue;
      }
      if (handlers.length > 1) {
        out.push({
          ...base,
          message: `${name} of container ${c.name} has ${handlers.length} handlers (${handlers.join(', ')})`,
          fix: 'keep exactly one of httpGet, tcpSocket, exec',
        });
        continue;
      }
      const h = handlers[0];
      const field = `${base.field}.${h}`;
      if (h === 'exec') {
        const cmd = p.exec.command;
        if (!Array.isArray(cmd) || cmd.length === 0 || cmd.some((a: unknown) => typeof a !== 'string')) {
          out.push({
            ...base,
            field: `${field}.command`,
            message: `${name} of container ${c.name} has an exec handler without a command`,
            fix: 'set exec.command to a non-empty list of strings, e.g. ["cat", "/tmp/ready"]',
          });
        }
        continue;
      }
      const port = p[h].port;
      if (port === undefined || port === null || port === '') {
        out.push({
          ...base,
          field: `${field}.port`,
          message: `${name} of container ${c.name} has no ${h}.port`,
          fix: `set ${h}.port to one of the container's ports (${portList(ports)})`,
        });
      } else if (!hasPort(ports, port, h !== 'grpc')) {
        out.push({
          ...base,
          field: `${field}.port`,
          message: `${name} of container ${c.name} probes port ${JSON.stringify(port)}, which the container does not declare (${portList(ports)})`,
          fix: `use a port of the container by number or name, or add it to ${path}.ports`,
          blame: { value: String(port), keys: ['port'] },
        });
      }
    }
  }
  return out;
}

/** A probe or targetPort given as a number must be a declared containerPort; as a string, a declared port name. */
export function hasPort(ports: readonly Yaml[], port: unknown, byName = true): boolean {
  if (typeof port === 'number' || /^\d+$/.test(String(port))) return ports.some((p) => Number(p?.containerPort) === Number(port));
  return byName && ports.some((p) => p?.name === port);
}

export function portList(ports: readonly Yaml[]): string {
  return ports.length ? ports.map((p) => (p?.name ? `${p.name}=${p.containerPort}` : String(p?.containerPort))).join(', ') : 'none declared';
}

function uniquePorts(t: PodTemplate): Violation[] {
  const out: Violation[] = [];
  const numbers = new Map<string, string>();
  const names = new Map<string, string>();
  for (const { c, path } of containersOf(t, true)) {
    (Array.isArray(c.ports) ? c.ports : []).forEach((p: Yaml, i: number) => {
      const field = `${path}.ports[${p?.name ?? i}]`;
      const base = { file: t.owner.file, resource: ref(t.owner), field, rule: 'deployment.container-ports-unique' as const };
      const key = `${p?.containerPort}/${p?.protocol ?? 'TCP'}`;
      const first = numbers.get(key);
      if (first)
        out.push({
          ...base,
          message: `containerPort ${key} is declared twice in the pod (first at ${first})`,
          fix: 'give each container port its own number, or remove the duplicate',
        });
      else numbers.set(key, field);
      if (p?.name) {
        const firstName = names.get(p.name);
        if (firstName)
          out.push({
            ...base,
            message: `port name ${p.name} is declared twice in the pod (first at ${firstName}), so Services and probes that name it are ambiguous`,
            fix: 'give each container port its own name',
          });
        else names.set(p.name, field);
      }
    });
  }
  return out;
}
