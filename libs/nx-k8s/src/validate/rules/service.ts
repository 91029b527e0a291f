// Service rules of the data model: a valid type, ports in 1..65535 with unique names, a selector
// that matches the pods of some workload in the release, and a targetPort those pods have.
import { containersOf, Manifest, podTemplates, ref, selects, Yaml } from '../manifests';
import { Violation } from '../violation';
import { hasPort } from './deployment';

const TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer'];

export function serviceRules(manifests: readonly Manifest[]): Violation[] {
  const pods = podTemplates(manifests);
  const out: Violation[] = [];
  for (const m of manifests.filter((m) => m.kind === 'Service')) {
    const base = { file: m.file, resource: ref(m) };
    const spec = m.doc.spec ?? {};
    if (spec.type !== undefined && !TYPES.includes(spec.type)) {
      out.push({
        ...base,
        field: 'spec.type',
        rule: 'service.type',
        message: `type ${JSON.stringify(spec.type)} is not a Service type`,
        fix: `use one of ${TYPES.join(', ')}`,
        blame: { value: String(spec.type), keys: ['type'] },
      });
    }
    const ports: Yaml[] = Array.isArray(spec.ports) ? spec.ports : [];
    const selector: Record<string, string> = spec.selector ?? {};
    const selected = Object.keys(selector).length ? pods.filter((p) => selects(selector, p.labels, true)) : [];
    if (selected.length === 0) {
      const workloads = pods.map((p) => ref(p.owner)).join(', ') || 'none';
      out.push({
        ...base,
        field: 'spec.selector',
        rule: 'service.selector-matches-pods',
        message: Object.keys(selector).length
          ? `selector ${Object.entries(selector)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')} matches the pods of no workload in the release (workloads: ${workloads})`
          : 'has no selector, so it routes to no pod of the release',
        fix: "set spec.selector to the pod template labels of the workload it fronts (its Deployment's selector labels)",
      });
    }
    const names = new Set<string>();
    ports.forEach((p: Yaml, i: number) => {
      const field = `spec.ports[${p?.name ?? i}]`;
      for (const key of ['port', 'targetPort', 'nodePort'] as const) {
        const v = p?.[key];
        if (v === undefined || (key === 'targetPort' && typeof v === 'string' && !/^\d+$/.test(v))) continue;
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 65535) {
          out.push({
            ...base,
            field: `${field}.${key}`,
            rule: 'service.port-range',
            message: `${key} ${JSON.stringify(v)} is outside 1..65535`,
            fix: `set ${key} to a port number from 1 to 65535`,
            blame: { value: String(v), keys: key === 'port' ? ['port'] : undefined },
          });
        }
      }
      if (p?.port === undefined)
        out.push({ ...base, field: `${field}.port`, rule: 'service.port-range', message: 'has no port', fix: 'set port to a number from 1 to 65535' });
      if (p?.name !== undefined) {
        if (names.has(p.name))
          out.push({
            ...base,
            field: `${field}.name`,
            rule: 'service.port-names-unique',
            message: `port name ${p.name} is used twice in the Service`,
            fix: 'give each Service port its own name',
          });
        names.add(p.name);
      }
      const target = p?.targetPort ?? p?.port;
      if (selected.length && target !== undefined) {
        const missing = selected.filter((s) => !containersOf(s).some(({ c }) => hasPort(Array.isArray(c.ports) ? c.ports : [], target)));
        if (missing.length) {
          out.push({
            ...base,
            field: `${field}.targetPort`,
            rule: 'service.target-port-exists',
            message: `targetPort ${JSON.stringify(target)} is not a port of the selected pods of ${missing.map((s) => ref(s.owner)).join(', ')}`,
            fix: 'point targetPort at a containerPort (number or name) of the selected containers',
          });
        }
      }
    });
  }
  return out;
}
