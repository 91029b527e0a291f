// How a no-op deploy's cost grows with the number of apps. For each size, a workspace made as a
// user makes one: a new Nx workspace, the packed plugin added with `nx add`, each app a tiny Node
// server that `nx g nx-k8s:app` gives a Dockerfile and a subchart, all in the one umbrella chart
// the generator wires them into (one release: the generator's and the todo app's layout, and
// what the data model describes). Deployed once by the default route (the import into the
// node's containerd; `registry` as the third argument: through `local-cluster registry up`,
// where each image's presence is one HEAD to the registry), then, interleaved with the Nx floor
// of the same graph (lib/variants.ts), medians:
// the no-op deploy, its ratio to the floor, and the cluster queries it made (every command and
// API request the plugin logs under NX_VERBOSE_LOGGING); at the largest size, one app changed.
// Usage: node -r @swc-node/register bench/scale-bench.ts [sizes=10,25,50] [runs=7] [import|registry]
import execa from 'execa';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { clusterUp } from '../apps/deploy-e2e/src/support/cluster';
import { minimalWorkspace, packedTarball } from '../apps/deploy-e2e/src/support/package';
import { localCluster, Workspace } from '../apps/deploy-e2e/src/support/workspace';
import { median } from './lib/timing';
import { makeNxFloor, nxIn } from './lib/variants';

const sizes = (process.argv[2] ?? '10,25,50').split(',').map(Number);
const runs = Number(process.argv[3] ?? 7);
const route = process.argv[4] ?? 'import';
const BASE = 'nx-k8s-base/node:20.20.2-slim-bookworm';

const server = (name: string, greeting: string) =>
  `require('http').createServer((req, res) => res.end('${name} ${greeting}')).listen(Number(process.env.PORT));\n`;

async function workspaceOf(size: number, tarball: string, kubeconfig: string): Promise<Workspace> {
  const ws = new Workspace(kubeconfig, false, await minimalWorkspace(mkdtempSync(join(tmpdir(), `nx-k8s-scale-${size}-`)), '23.2.1'));
  await nxIn(ws, ['add', `nx-k8s@file:${tarball}`]);
  for (let i = 0; i < size; i++) {
    const name = `app${i}`;
    ws.write(`apps/${name}/project.json`, JSON.stringify({ name, root: `apps/${name}` }) + '\n');
    ws.write(`apps/${name}/package.json`, JSON.stringify({ name, version: '0.1.0', private: true, scripts: { start: 'node server.js' } }) + '\n');
    ws.write(`apps/${name}/server.js`, server(name, 'says hi'));
  }
  ws.commit(`${size} apps`);
  for (let i = 0; i < size; i++) {
    await nxIn(ws, ['g', 'nx-k8s:app', `app${i}`, `--umbrella=scale${size}`, `--baseImage=${BASE}`, '--skipFormat']);
    // The generator requests 100m of CPU per app: 50 of them do not fit a 2-core node.
    const values = `charts/app${i}/values.yaml`;
    ws.write(values, ws.read(values).replace('cpu: 100m', 'cpu: 10m'));
  }
  ws.commit(`nx g nx-k8s:app for each of the ${size} apps`);
  return ws;
}

/** A copy of the workspace (its own node_modules, cache and database) made into the Nx floor. */
async function floorOf(ws: Workspace, kubeconfig: string): Promise<Workspace> {
  const dir = join(mkdtempSync(join(tmpdir(), 'nx-k8s-scale-floor-')), 'ws');
  cpSync(ws.dir, dir, { recursive: true, filter: (src) => !src.includes('/.nx/') });
  const floor = new Workspace(kubeconfig, false, dir);
  await makeNxFloor(floor);
  return floor;
}

/** Commands and API requests the plugin logged in a verbose run (the hashers' are all a no-op makes). */
function queries(output: string): { total: number; byKind: Record<string, number> } {
  const byKind: Record<string, number> = {};
  for (const m of output.matchAll(/nx-k8s: (\$ (\S+)(?: --context \S+)?(?: --address \S+ -n \S+)? (\S+)|(GET|HEAD) \S+?\/(api|apis|v2|version)\S*)/g)) {
    const kind = m[2] ? `${m[2].split('/').pop()} ${m[3]}` : `${m[4]} /${m[5]}`;
    byKind[kind] = (byKind[kind] ?? 0) + 1;
  }
  return { total: Object.values(byKind).reduce((a, b) => a + b, 0), byKind };
}

async function main() {
  const { kubeconfig } = await clusterUp();
  await execa('bash', [localCluster, 'registry', route === 'registry' ? 'up' : 'down'], { stdio: 'inherit' });
  const tmp = mkdtempSync(join(tmpdir(), 'nx-k8s-scale-pack-'));
  const tarball = await packedTarball(tmp);
  const lines: string[] = [`runs per measurement: ${runs} (medians, plugin and floor interleaved); route: ${route}; Nx 23.2.1, NX_DAEMON=false`];
  const made: Workspace[] = [];
  const env = { PATH: `/var/cache/nx-k8s/bin:${process.env.PATH}`, KUBECONFIG: kubeconfig };
  try {
    for (const size of sizes) {
      let t = Date.now();
      const ws = await workspaceOf(size, tarball, kubeconfig);
      made.push(ws);
      console.log(`${size} apps: workspace made in ${((Date.now() - t) / 1000).toFixed(0)} s`);
      t = Date.now();
      await nxIn(ws, ['run-many', '-t', 'deploy']);
      console.log(`${size} apps: first deploy (${size} builds and loads, one install) in ${((Date.now() - t) / 1000).toFixed(0)} s`);
      const floor = await floorOf(ws, kubeconfig);
      made.push(floor);
      await nxIn(floor, ['run-many', '-t', 'deploy']);
      const wall = { plugin: [] as number[], floor: [] as number[] };
      for (let i = 0; i < runs; i++) {
        for (const [v, w] of (i % 2
          ? [
              ['floor', floor],
              ['plugin', ws],
            ]
          : [
              ['plugin', ws],
              ['floor', floor],
            ]) as Array<['plugin' | 'floor', Workspace]>) {
          const s = Date.now();
          const out = await nxIn(w, ['run-many', '-t', 'deploy']);
          wall[v].push((Date.now() - s) / 1000);
          if (v === 'plugin' && !/Successfully ran target deploy/.test(out)) throw new Error(`no-op of ${size} apps failed:\n${out.slice(-2000)}`);
        }
      }
      const verbose = await nxIn(ws, ['run-many', '-t', 'deploy'], { ...ws.env, NX_VERBOSE_LOGGING: 'true' });
      const hits = /for (\d+) out of (\d+) tasks/.exec(verbose);
      const executedTasks = hits ? Number(hits[2]) - Number(hits[1]) : 'unknown';
      const q = queries(verbose);
      const p = median(wall.plugin);
      const f = median(wall.floor);
      lines.push(
        `${String(size).padStart(2)} apps: no-op plugin ${p.toFixed(2)} s, floor ${f.toFixed(2)} s, plugin/floor ${(p / f).toFixed(2)}x; ` +
          `cluster queries in the no-op: ${q.total} (${Object.entries(q.byKind)
            .map(([k, n]) => `${k} ${n}`)
            .join(
              ', ',
            )}); tasks executed: ${executedTasks}  [raw plugin ${wall.plugin.map((x) => x.toFixed(2)).join(' ')} | floor ${wall.floor.map((x) => x.toFixed(2)).join(' ')}]`,
      );
      console.log(lines[lines.length - 1]);
      if (size === Math.max(...sizes)) {
        const changed: number[] = [];
        for (let i = 0; i < Math.min(runs, 3); i++) {
          ws.write('apps/app0/server.js', server('app0', `changed ${i}`));
          ws.commit(`bench: app0 changed ${i}`);
          const s = Date.now();
          const out = await nxIn(ws, ['run-many', '-t', 'deploy']);
          changed.push((Date.now() - s) / 1000);
          if (!/app0:docker-build/.test(out)) throw new Error('the changed app was not built');
        }
        lines.push(
          `${size} apps: one app changed (its build, push, one upgrade of ${size} deployments): ${median(changed).toFixed(2)} s  [raw ${changed.map((x) => x.toFixed(2)).join(' ')}]`,
        );
        console.log(lines[lines.length - 1]);
      }
      await execa('helm', ['uninstall', `scale${size}`, '--wait'], { env: { ...process.env, ...env }, reject: false });
    }
    const report = lines.join('\n');
    console.log(`\n${report}`);
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    appendFileSync(join(__dirname, 'results', 'latest.txt'), `${new Date().toISOString()} scale-bench\n${report}\n\n`);
  } finally {
    for (const w of made) rmSync(join(w.dir, '..'), { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
    if (route === 'registry') await execa('bash', [localCluster, 'registry', 'down'], { stdio: 'inherit', reject: false });
  }
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
