// Times the plugin against the naive pipeline in one run on the same machine:
//   - a no-op `nx run-many -t deploy` (everything up to date) vs the naive pipeline;
//   - the one-app-changed deploy (scenario 2) vs the naive pipeline, and the plugin's own
//     overhead there (wall time minus the time spent inside docker, helm, kubectl and ctr).
// Usage: node -r @swc-node/register bench/deploy-bench.ts [runs=5]
import execa from 'execa';
import { appendFileSync, mkdirSync } from 'fs';
import { join } from 'path';
import { clusterUp } from '../apps/deploy-e2e/src/support/cluster';
import { Workspace } from '../apps/deploy-e2e/src/support/workspace';
import { median, toolShims } from './lib/timing';

const runs = Number(process.argv[2] ?? 5);
async function main() {
  const { kubeconfig } = await clusterUp();
  const ws = new Workspace(kubeconfig);
  const shims = toolShims();
  const env = shims.env(ws.env);
  const timed = shims.timed;
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
    shims.remove();
  }
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
