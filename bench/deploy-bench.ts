// Times the plugin against the naive pipeline in one run on the same machine:
//   - a no-op `nx run-many -t deploy` (everything up to date) vs the naive pipeline;
//   - the one-app-changed deploy (scenario 2) vs the naive pipeline, and the plugin's own
//     overhead there (wall time minus the time spent inside docker, helm, kubectl and ctr).
// Usage: node -r @swc-node/register bench/deploy-bench.ts [runs=5]
import execa from 'execa';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { clusterUp } from '../apps/deploy-e2e/src/support/cluster';
import { Workspace } from '../apps/deploy-e2e/src/support/workspace';

const runs = Number(process.argv[2] ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Seconds covered by the union of [start, end] intervals (tools may overlap). */
function covered(intervals: Array<[number, number]>): number {
  let total = 0;
  let end = -Infinity;
  for (const [s, e] of [...intervals].sort((a, b) => a[0] - b[0])) {
    if (e <= end) continue;
    total += e - Math.max(s, end);
    end = e;
  }
  return total;
}

async function main() {
  const { kubeconfig } = await clusterUp();
  const ws = new Workspace(kubeconfig);
  const shims = mkdtempSync(join(tmpdir(), 'nx-k8s-shims-'));
  const log = join(shims, 'calls.log');
  for (const tool of ['docker', 'helm', 'kubectl', 'ctr']) symlinkSync(join(__dirname, 'shim.sh'), join(shims, tool));
  const env = { ...ws.env, NX_K8S_BENCH_REALPATH: ws.env.PATH, NX_K8S_BENCH_LOG: log, PATH: `${shims}:${ws.env.PATH}` };
  const timed = async (fn: () => Promise<unknown>): Promise<{ wall: number; tools: number; podWait: number }> => {
    writeFileSync(log, '');
    const t0 = Date.now() / 1000;
    await fn();
    const t1 = Date.now() / 1000;
    const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ')).map(([s, e, tool, arg]) => ({ s: Number(s), e: Number(e), tool, arg })).filter((c) => c.s >= t0);
    const intervals = calls.map((c) => [c.s, c.e] as [number, number]);
    // After `helm upgrade` the plugin polls kubectl until the new pods are ready: that is the
    // cluster starting pods (helm --wait's time in the naive run), not the plugin's overhead.
    const upgrade = calls.filter((c) => c.tool === 'helm' && c.arg === 'upgrade').pop();
    const lastPoll = calls.filter((c) => c.tool === 'kubectl' && upgrade && c.s > upgrade.e).pop();
    const podWait = upgrade && lastPoll ? lastPoll.e - upgrade.e : 0;
    if (upgrade && lastPoll) intervals.push([upgrade.e, lastPoll.e]);
    return { wall: t1 - t0, tools: covered(intervals), podWait };
  };
  const nx = async (args: string[]) => {
    const r = await execa(join(ws.dir, 'node_modules/.bin/nx'), args, { cwd: ws.dir, env, reject: false, all: true });
    if (r.exitCode !== 0) throw new Error(`nx ${args.join(' ')} failed:\n${r.all?.slice(-3000)}`);
  };
  const naive = (tag: string) => execa('bash', [join(__dirname, 'naive-deploy.sh')], { cwd: ws.dir, env: { ...env, NAIVE_TAG: tag } });

  try {
    console.log('warming up: first deploy of both (builds, loads, install)');
    await nx(['run-many', '-t', 'deploy']);
    await naive('naive-warm');
    await nx(['run-many', '-t', 'deploy']); // back to the plugin's release

    const noop = { plugin: [] as number[], naive: [] as number[] };
    for (let i = 0; i < runs; i++) {
      noop.plugin.push((await timed(() => nx(['run-many', '-t', 'deploy']))).wall);
      noop.naive.push((await timed(() => naive('naive-warm'))).wall);
      await nx(['run-many', '-t', 'deploy']);
    }

    const changed = { plugin: [] as number[], overhead: [] as number[], podWait: [] as number[], naive: [] as number[] };
    const page = 'apps/frontend/app/page.tsx';
    const original = ws.read(page);
    for (let i = 0; i < runs; i++) {
      ws.write(page, original.replace('<h1>Todos</h1>', `<h1>Todos (bench ${i})</h1>`));
      ws.commit(`bench: frontend change ${i}`);
      const p = await timed(() => nx(['run-many', '-t', 'deploy']));
      changed.plugin.push(p.wall);
      changed.overhead.push(p.wall - p.tools);
      changed.podWait.push(p.podWait);
      ws.write(page, original.replace('<h1>Todos</h1>', `<h1>Todos (bench naive ${i})</h1>`));
      ws.commit(`bench: frontend change naive ${i}`);
      changed.naive.push((await timed(() => naive(`naive-${i}`))).wall);
      await nx(['run-many', '-t', 'deploy']);
    }

    const f = (x: number) => x.toFixed(2);
    const report = [
      `runs per measurement: ${runs} (medians)`,
      `no-op deploy:        plugin ${f(median(noop.plugin))} s   naive ${f(median(noop.naive))} s   ratio naive/plugin ${f(median(noop.naive) / median(noop.plugin))}x`,
      `one app changed:     plugin ${f(median(changed.plugin))} s   naive ${f(median(changed.naive))} s   ratio naive/plugin ${f(median(changed.naive) / median(changed.plugin))}x`,
      `plugin overhead (one app changed, wall minus time inside docker/helm/kubectl/ctr and waiting for pods to become ready, median ${f(median(changed.podWait))} s): ${f(median(changed.overhead))} s`,
      `raw: ${JSON.stringify({ noop, changed })}`,
    ].join('\n');
    console.log(`\n${report}`);
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    appendFileSync(join(__dirname, 'results', 'latest.txt'), `${new Date().toISOString()}\n${report}\n\n`);
  } finally {
    ws.remove();
    rmSync(shims, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
