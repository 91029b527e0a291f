// nx-k8s side by side with its baselines, in one run on one cluster, interleaved (the order
// rotates each round), medians:
//   - plugin:   `nx run-many -t deploy` with the plugin as a user installs it (packed tarball);
//   - floor:    the same task graph with nx:noop targets (bench/lib/variants.ts): Nx's own cost;
//   - skaffold: `skaffold run` (built here, bench/skaffold/) pushing to a loopback registry;
//   - naive:    bench/naive-deploy.sh, what a script does by hand.
// The plugin pushes to the cluster's own registry (`local-cluster registry up`, advertised by
// KEP-1755), as Skaffold pushes to its own. Scenarios: (1) nothing changed, also with the Nx
// daemon; (2) the frontend's page edited and committed; in (2) the plugin's overhead beyond
// docker/helm/kubectl/ctr and pods starting, and the bytes each pushes for the node to pull.
// Each deploying variant has its own namespace, so none undoes another.
// Usage: node -r @swc-node/register bench/compare-bench.ts [runs=7]
import execa from 'execa';
import { appendFileSync, mkdirSync } from 'fs';
import { join } from 'path';
import { clusterUp } from '../apps/deploy-e2e/src/support/cluster';
import { du } from '../apps/deploy-e2e/src/support/registry';
import { localCluster, Workspace } from '../apps/deploy-e2e/src/support/workspace';
import { median, toolShims } from './lib/timing';
import { installTarball, makeNxFloor, makeSkaffold, nxIn, startRegistry } from './lib/variants';

const runs = Number(process.argv[2] ?? 7);
const variants = ['plugin', 'floor', 'skaffold', 'naive'] as const;
type Variant = (typeof variants)[number];
const namespaces = { plugin: 'bench-nxk8s', skaffold: 'bench-skaffold', naive: 'bench-naive' };

async function main() {
  const { kubeconfig } = await clusterUp();
  await execa('bash', [localCluster, 'registry', 'up'], { stdio: 'inherit' });
  const clusterRegistry = () => du('/var/lib/nx-k8s-cluster/registry/data');
  const registry = await startRegistry();
  const ws: Record<Variant, Workspace> = {
    plugin: new Workspace(kubeconfig),
    floor: new Workspace(kubeconfig),
    skaffold: new Workspace(kubeconfig),
    naive: new Workspace(kubeconfig),
  };
  // The floor plus an inference plugin that infers nothing: Nx's cost of any plugin.
  const emptyPlugin = new Workspace(kubeconfig);
  const shims = toolShims();
  const helm = (args: string[]) => execa('helm', args, { env: ws.plugin.env, reject: false });
  let removeSkaffold = () => undefined as void;
  let skaffoldHangs = 0;
  // The wall time of skaffold's last run that ended: a stopped one is not counted.
  let lastSkaffold = 0;
  try {
    await installTarball(ws.plugin, namespaces.plugin);
    console.log(`floor: ${await makeNxFloor(ws.floor)} plugin targets made nx:noop`);
    await makeNxFloor(emptyPlugin, { emptyPlugin: true });
    const skaffold = await makeSkaffold(ws.skaffold, registry.host);
    removeSkaffold = skaffold.remove;
    const deploy: Record<Variant, () => Promise<unknown>> = {
      plugin: () => nxIn(ws.plugin, ['run-many', '-t', 'deploy'], shims.env(ws.plugin.env)),
      floor: () => nxIn(ws.floor, ['run-many', '-t', 'deploy']),
      skaffold: async () => {
        // A `skaffold run` that has not ended after 3 min is stuck (seen here once: its pods
        // Ready, no helm running, the process waiting): it is stopped, counted, and run again.
        for (;;) {
          const started = Date.now();
          const r = await execa(skaffold.bin, skaffold.argv, { cwd: ws.skaffold.dir, env: skaffold.env, reject: false, all: true, timeout: 180_000 });
          if (r.timedOut) {
            skaffoldHangs++;
            continue;
          }
          if (r.exitCode !== 0) throw new Error(`skaffold run failed:\n${r.all?.slice(-3000)}`);
          lastSkaffold = (Date.now() - started) / 1000;
          return;
        }
      },
      naive: () =>
        execa('bash', [join(__dirname, 'naive-deploy.sh')], {
          cwd: ws.naive.dir,
          env: { ...ws.naive.env, NAIVE_TAG: `naive-${ws.naive.git(['rev-parse', '--short', 'HEAD']).stdout}`, NAIVE_NAMESPACE: namespaces.naive },
        }),
    };
    const revision = async (ns: string) => Number(JSON.parse((await helm(['status', 'todo-app', '-n', ns, '-o', 'json'])).stdout || '{}').version ?? 0);

    for (const v of variants) {
      console.log(`warming up ${v}: first deploy (builds, loads, install)`);
      await deploy[v]();
    }
    await deploy.floor(); // its cache, as the plugin's is after a deploy
    await nxIn(emptyPlugin, ['run-many', '-t', 'deploy']);
    const withPlugin: number[] = [];

    const order = (i: number) => variants.map((_, k) => variants[(k + i) % variants.length]);
    const noop: Record<Variant, number[]> = { plugin: [], floor: [], skaffold: [], naive: [] };
    const upgrades = { plugin: 0, skaffold: 0 };
    for (let i = 0; i < runs; i++) {
      for (const v of order(i)) {
        const before = v === 'plugin' || v === 'skaffold' ? await revision(namespaces[v]) : 0;
        const wall = (await shims.timed(deploy[v])).wall;
        noop[v].push(v === 'skaffold' ? lastSkaffold : wall);
        if (v === 'plugin' || v === 'skaffold') upgrades[v] += (await revision(namespaces[v])) - before;
      }
      const t0 = Date.now();
      await nxIn(emptyPlugin, ['run-many', '-t', 'deploy']);
      withPlugin.push((Date.now() - t0) / 1000);
    }
    // The same no-op with the Nx daemon on (a developer's default): the project graph is kept
    // between runs, so what is left is Nx's task run and the plugin's hashers.
    const daemon = { plugin: [] as number[], floor: [] as number[] };
    const withDaemon = (w: Workspace) => ({ ...w.env, NX_DAEMON: 'true' });
    try {
      for (const v of ['plugin', 'floor'] as const) await nxIn(ws[v], ['run-many', '-t', 'deploy'], withDaemon(ws[v]));
      for (let i = 0; i < runs; i++) {
        for (const v of i % 2 ? (['floor', 'plugin'] as const) : (['plugin', 'floor'] as const)) {
          const t0 = Date.now();
          await nxIn(ws[v], ['run-many', '-t', 'deploy'], withDaemon(ws[v]));
          daemon[v].push((Date.now() - t0) / 1000);
        }
      }
    } finally {
      for (const v of ['plugin', 'floor'] as const) await nxIn(ws[v], ['daemon', '--stop'], withDaemon(ws[v])).catch(() => undefined);
    }

    const changed: Record<Variant, number[]> = { plugin: [], floor: [], skaffold: [], naive: [] };
    const overhead: number[] = [];
    const podWait: number[] = [];
    const pushed: number[] = [];
    const pluginPushed: number[] = [];
    const page = 'apps/frontend/app/page.tsx';
    for (let i = 0; i < runs; i++) {
      for (const v of order(i)) {
        ws[v].write(page, ws[v].read(page).replace(/<h1>Todos[^<]*<\/h1>/, `<h1>Todos (bench ${v} ${i})</h1>`));
        ws[v].commit(`bench: frontend change ${i}`);
        const stored = v === 'skaffold' ? registry.bytes() : v === 'plugin' ? clusterRegistry() : 0;
        const t = await shims.timed(deploy[v]);
        changed[v].push(v === 'skaffold' ? lastSkaffold : t.wall);
        if (v === 'plugin') {
          overhead.push(t.wall - t.tools);
          podWait.push(t.podWait);
          pluginPushed.push(clusterRegistry() - stored);
        }
        if (v === 'skaffold') pushed.push(registry.bytes() - stored);
      }
    }
    // What the default route (docker save | ctr import) would stream: the whole image.
    const image = JSON.parse(ws.plugin.read('dist/nx-k8s/frontend/image.json')) as { repository: string; tag: string };
    const saved = (await execa('bash', ['-c', 'docker save "$1" | wc -c', 'save', `${image.repository}:${image.tag}`])).stdout.trim();

    const f = (x: number) => x.toFixed(2);
    const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
    const row = (what: string, m: Record<Variant, number[]>) => {
      const p = median(m.plugin);
      return `${what}: plugin ${f(p)} s   floor ${f(median(m.floor))} s (plugin/floor ${f(p / median(m.floor))}x)   skaffold ${f(median(m.skaffold))} s (skaffold/plugin ${f(median(m.skaffold) / p)}x)   naive ${f(median(m.naive))} s (naive/plugin ${f(median(m.naive) / p)}x)`;
    };
    const report = [
      `runs per measurement: ${runs} (medians, interleaved, order rotated each round)`,
      row('no-op deploy   ', noop),
      `  the floor with an empty inference plugin (Nx's cost of any plugin): ${f(median(withPlugin))} s (${f(median(withPlugin) / median(noop.floor))}x the floor)`,
      `  with the Nx daemon: plugin ${f(median(daemon.plugin))} s   floor ${f(median(daemon.floor))} s (plugin/floor ${f(median(daemon.plugin) / median(daemon.floor))}x)`,
      `  helm revisions added by the ${runs} no-op runs: plugin ${upgrades.plugin}, skaffold ${upgrades.skaffold}`,
      row('one app changed', changed),
      `  plugin overhead beyond docker/helm/kubectl/ctr and ${f(median(podWait))} s of pods starting: ${f(median(overhead))} s`,
      `  pushed for the node to pull after the one-line change (compressed layers the registry lacked): plugin ${mb(median(pluginPushed))}, skaffold ${mb(median(pushed))}; the whole image the default route (docker save | ctr import) streams: ${mb(Number(saved))}`,
      `  skaffold runs stopped after 3 min without ending and run again (not timed): ${skaffoldHangs}`,
      `raw: ${JSON.stringify({ noop, withPlugin, daemon, changed, overhead, podWait, pushed, pluginPushed, saved: Number(saved) })}`,
    ].join('\n');
    console.log(`\n${report}`);
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    appendFileSync(join(__dirname, 'results', 'latest.txt'), `${new Date().toISOString()} compare-bench\n${report}\n\n`);
  } finally {
    for (const ns of Object.values(namespaces)) await helm(['uninstall', 'todo-app', '-n', ns, '--wait']);
    Object.values(ws).forEach((w) => w.remove());
    emptyPlugin.remove();
    shims.remove();
    removeSkaffold();
    await registry.stop();
    await execa('bash', [localCluster, 'registry', 'down'], { stdio: 'inherit', reject: false });
  }
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
