// Pod rules of the data model: at least one container, every volume mount on a declared volume,
// and (so the containers can start) every ConfigMap or Secret they read present in the release
// unless the reference is optional.
import { containersOf, Manifest, podTemplates, PodTemplate, ref, Yaml } from '../manifests';
import { Violation } from '../violation';

export function podRules(manifests: readonly Manifest[]): Violation[] {
  return podTemplates(manifests).flatMap((t) => [...containers(t), ...volumeMounts(t), ...references(t, manifests)]);
}

function containers(t: PodTemplate): Violation[] {
  if (Array.isArray(t.spec.containers) && t.spec.containers.length > 0) return [];
  return [
    {
      file: t.owner.file,
      resource: ref(t.owner),
      field: `${t.path}.containers`,
      rule: 'pod.has-containers',
      message: 'the pod has no container',
      fix: 'add a container (name, image) to the pod template',
    },
  ];
}

/** A StatefulSet's volumeClaimTemplates are volumes of its pods too (the controller adds one per claim). */
function declaredVolumes(t: PodTemplate): Set<unknown> {
  const claims = t.owner.kind === 'StatefulSet' && Array.isArray(t.owner.doc.spec?.volumeClaimTemplates) ? t.owner.doc.spec.volumeClaimTemplates : [];
  return new Set([...(Array.isArray(t.spec.volumes) ? t.spec.volumes : []), ...claims.map((c: Yaml) => c?.metadata)].map((v: Yaml) => v?.name));
}

function volumeMounts(t: PodTemplate): Violation[] {
  const declared = declaredVolumes(t);
  const out: Violation[] = [];
  for (const { c, path } of containersOf(t, true)) {
    for (const list of ['volumeMounts', 'volumeDevices']) {
      for (const m of Array.isArray(c[list]) ? c[list] : []) {
        if (declared.has(m?.name)) continue;
        out.push({
          file: t.owner.file,
          resource: ref(t.owner),
          field: `${path}.${list}[${m?.name}]`,
          rule: 'pod.volume-mounts-declared',
          message: `container ${c.name} mounts volume ${m?.name}, which the pod does not declare (volumes: ${[...declared].join(', ') || 'none'})`,
          fix: `add a volume named ${m?.name} to ${t.path}.volumes, or mount a declared one`,
        });
      }
    }
  }
  return out;
}

interface Reference {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  key?: string;
  optional: boolean;
  field: string;
}

function referencesOf(t: PodTemplate): Reference[] {
  const refs: Reference[] = [];
  for (const { c, path } of containersOf(t, true)) {
    (Array.isArray(c.envFrom) ? c.envFrom : []).forEach((e: Yaml, i: number) => {
      if (e?.configMapRef)
        refs.push({ kind: 'ConfigMap', name: e.configMapRef.name, optional: !!e.configMapRef.optional, field: `${path}.envFrom[${i}].configMapRef` });
      if (e?.secretRef) refs.push({ kind: 'Secret', name: e.secretRef.name, optional: !!e.secretRef.optional, field: `${path}.envFrom[${i}].secretRef` });
    });
    for (const e of Array.isArray(c.env) ? c.env : []) {
      const cm = e?.valueFrom?.configMapKeyRef;
      const s = e?.valueFrom?.secretKeyRef;
      if (cm) refs.push({ kind: 'ConfigMap', name: cm.name, key: cm.key, optional: !!cm.optional, field: `${path}.env[${e.name}].valueFrom.configMapKeyRef` });
      if (s) refs.push({ kind: 'Secret', name: s.name, key: s.key, optional: !!s.optional, field: `${path}.env[${e.name}].valueFrom.secretKeyRef` });
    }
  }
  for (const v of Array.isArray(t.spec.volumes) ? t.spec.volumes : []) {
    const field = `${t.path}.volumes[${v?.name}]`;
    if (v?.configMap) refs.push({ kind: 'ConfigMap', name: v.configMap.name, optional: !!v.configMap.optional, field: `${field}.configMap` });
    if (v?.secret) refs.push({ kind: 'Secret', name: v.secret.secretName, optional: !!v.secret.optional, field: `${field}.secret` });
    (Array.isArray(v?.projected?.sources) ? v.projected.sources : []).forEach((s: Yaml, i: number) => {
      if (s?.configMap)
        refs.push({ kind: 'ConfigMap', name: s.configMap.name, optional: !!s.configMap.optional, field: `${field}.projected.sources[${i}].configMap` });
      if (s?.secret) refs.push({ kind: 'Secret', name: s.secret.name, optional: !!s.secret.optional, field: `${field}.projected.sources[${i}].secret` });
    });
  }
  return refs;
}

function references(t: PodTemplate, manifests: readonly Manifest[]): Violation[] {
  const out: Violation[] = [];
  const namespace = t.owner.namespace;
  for (const r of referencesOf(t)) {
    if (r.optional) continue;
    const base = { file: t.owner.file, resource: ref(t.owner), field: r.field, rule: 'pod.config-references-exist' as const };
    const target = manifests.find((m) => m.kind === r.kind && m.name === r.name && m.namespace === namespace);
    if (!target) {
      out.push({
        ...base,
        message: `refers to ${r.kind} ${r.name}, which the release does not create`,
        fix: `add ${r.kind} ${r.name} to the chart, fix the name, or set optional: true`,
      });
      continue;
    }
    if (r.key === undefined) continue;
    const keys = new Set([...Object.keys(target.doc.data ?? {}), ...Object.keys(target.doc.stringData ?? {}), ...Object.keys(target.doc.binaryData ?? {})]);
    if (!keys.has(r.key)) {
      out.push({
        ...base,
        message: `refers to key ${r.key} of ${r.kind} ${r.name}, which has no such key (${[...keys].join(', ') || 'no keys'})`,
        fix: `add ${r.key} to ${r.kind} ${r.name}, fix the key, or set optional: true`,
      });
    }
  }
  return out;
}
