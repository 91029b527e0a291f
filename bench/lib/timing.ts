// Timing shared by the benches: medians, and how much of a run's wall time was spent inside
// docker, helm, kubectl and ctr (bench/shim.sh stands in front of them on PATH and logs each
// call), so that what is left is the plugin's and Nx's own overhead.
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Seconds covered by the union of [start, end] intervals (tools may overlap). */
export function covered(intervals: Array<[number, number]>): number {
  let total = 0;
  let end = -Infinity;
  for (const [s, e] of [...intervals].sort((a, b) => a[0] - b[0])) {
    if (e <= end) continue;
    total += e - Math.max(s, end);
    end = e;
  }
  return total;
}

export interface Timed {
  wall: number;
  /** Inside the tools, plus waiting for pods after `helm upgrade`. */
  tools: number;
  podWait: number;
}

/** Shims for the tools on PATH; `env(base)` puts them in front of base's PATH. */
export function toolShims() {
  const dir = mkdtempSync(join(tmpdir(), 'nx-k8s-shims-'));
  const log = join(dir, 'calls.log');
  for (const tool of ['docker', 'helm', 'kubectl', 'ctr']) symlinkSync(join(__dirname, '..', 'shim.sh'), join(dir, tool));
  return {
    env: (base: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({ ...base, NX_K8S_BENCH_REALPATH: base.PATH, NX_K8S_BENCH_LOG: log, PATH: `${dir}:${base.PATH}` }),
    async timed(fn: () => Promise<unknown>): Promise<Timed> {
      writeFileSync(log, '');
      const t0 = Date.now() / 1000;
      await fn();
      const t1 = Date.now() / 1000;
      const calls = readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' '))
        .map(([s, e, tool, arg]) => ({ s: Number(s), e: Number(e), tool, arg }))
        .filter((c) => c.s >= t0);
      const intervals = calls.map((c) => [c.s, c.e] as [number, number]);
      // After `helm upgrade` the plugin polls kubectl until the new pods are ready: that is the
      // cluster starting pods (helm --wait's time in the naive run), not the plugin's overhead.
      const upgrade = calls.filter((c) => c.tool === 'helm' && c.arg === 'upgrade').pop();
      const lastPoll = calls.filter((c) => c.tool === 'kubectl' && upgrade && c.s > upgrade.e).pop();
      const podWait = upgrade && lastPoll ? lastPoll.e - upgrade.e : 0;
      if (upgrade && lastPoll) intervals.push([upgrade.e, lastPoll.e]);
      return { wall: t1 - t0, tools: covered(intervals), podWait };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
