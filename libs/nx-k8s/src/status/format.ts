// The status report as the lines a person reads: the release, one table per concern (apps,
// services, config), then the problems. --json prints the report itself instead.
import { StatusReport } from './report';

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

const yesNo = (v: boolean | null) => (v === null ? '?' : v ? 'yes' : 'no');

export function formatReport(r: StatusReport): string[] {
  const rel = r.release;
  const out = [
    `release ${rel.name} (namespace ${rel.namespace}, context ${rel.context}): ${rel.revision === null ? rel.status : `revision ${rel.revision} ${rel.status}`}; ${rel.note}`,
  ];
  for (const d of rel.differs) out.push(`  ${d.app}: deployed ${d.deployed ?? '(none)'}, workspace ${d.workspace ?? '(unknown)'}`);

  const rows: string[][] = [];
  for (const a of r.apps) {
    const image = a.image
      ? [a.image.deployed ?? '-', a.image.state, yesNo(a.image.inCluster), yesNo(a.image.builtHere)]
      : ['(not from this workspace)', '-', '-', '-'];
    const pods = a.pods.map((p) => `${p.name} ${p.phase}${p.ready ? '' : ' (not ready)'}${p.restarts ? `, ${p.restarts} restarts` : ''}`).join('; ') || '-';
    a.workloads.forEach((w, i) =>
      rows.push([i === 0 ? a.name : '', ...(i === 0 ? image : ['', '', '', '']), w.resource, w.state, w.ready, i === 0 ? pods : '']),
    );
    if (!a.workloads.length) rows.push([a.name, ...image, '-', '-', '-', pods]);
  }
  out.push('', ...table(['APP', 'IMAGE', 'IMAGE STATE', 'IN CLUSTER', 'BUILT HERE', 'WORKLOAD', 'STATE', 'READY', 'PODS'], rows));

  if (r.services.length) {
    out.push(
      '',
      ...table(
        ['SERVICE', 'PORTS', 'ENDPOINTS READY', 'NOT READY'],
        r.services.map((s) => [s.name, s.ports.join(',') || '-', String(s.ready), String(s.notReady)]),
      ),
    );
  }
  if (r.config.length) {
    out.push(
      '',
      ...table(
        ['CONFIG', 'KEYS', 'USED BY'],
        r.config.map((c) => [`${c.kind.toLowerCase()}/${c.name}`, c.present ? c.keys.join(',') || '(none)' : '(missing)', c.usedBy.join(',') || '-']),
      ),
    );
  }
  out.push('', r.healthy ? 'healthy' : `NOT healthy (${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}):`);
  for (const p of r.problems) out.push(`  ${p}`);
  return out;
}
