// What running the plugin as compiled JavaScript saves per deploy, in one run on the same
// machine: two clones of the workspace do the same one-app-changed deploy (a new edit of the
// frontend's page, committed, then `nx run-many -t deploy`), interleaved. Clone "source" loads
// the plugin as this repository does (TypeScript, compiled by Nx at load time in every
// process); clone "compiled" has the packed tarball installed in node_modules, as a user
// has it. Each deploys into its own namespace, so neither undoes the other's release.
// Reported: wall time and the plugin's and Nx's own overhead (wall minus docker, helm,
// kubectl, ctr and waiting for pods), medians.
// Usage: node -r @swc-node/register bench/compiled-bench.ts [runs=7]
import execa from 'execa';
import { appendFileSync, mkdirSync } from 'fs';
import { join } from 'path';
import { clusterUp } from '../apps/deploy-e2e/src/support/cluster';
import { Workspace } from '../apps/deploy-e2e/src/support/workspace';
import { median, Timed, toolShims } from './lib/timing';
import { installTarball } from './lib/variants';

const runs = Number(process.argv[2] ?? 7);

async function main() {
  const { kubeconfig } = await clusterUp();
  const clones = { source: new Workspace(kubeconfig), compiled: new Workspace(kubeconfig) };
  const shims = toolShims();
  try {
    await installTarball(clones.compiled, 'bench-compiled');
    const nx = async (ws: Workspace, args: string[]) => {
      const r = await execa(join(ws.dir, 'node_modules/.bin/nx'), args, { cwd: ws.dir, env: shims.env(ws.env), reject: false, all: true });
      if (r.exitCode !== 0) throw new Error(`nx ${args.join(' ')} failed in ${ws.dir}:\n${r.all?.slice(-3000)}`);
      return r.all ?? '';
    };
    for (const [name, ws] of Object.entries(clones)) {
      console.log(`warming up ${name}: first deploy (builds, loads, install)`);
      await nx(ws, ['run-many', '-t', 'deploy']);
    }
    const page = 'apps/frontend/app/page.tsx';
    const results: Record<keyof typeof clones, Timed[]> = { source: [], compiled: [] };
    for (let i = 0; i < runs; i++) {
      for (const [name, ws] of Object.entries(clones) as Array<[keyof typeof clones, Workspace]>) {
        ws.write(page, ws.read(page).replace(/<h1>Todos[^<]*<\/h1>/, `<h1>Todos (bench ${name} ${i})</h1>`));
        ws.commit(`bench: frontend change ${i}`);
        results[name].push(await shims.timed(() => nx(ws, ['run-many', '-t', 'deploy'])));
      }
    }
    const f = (x: number) => x.toFixed(2);
    const wall = (n: keyof typeof clones) => median(results[n].map((r) => r.wall));
    const overhead = (n: keyof typeof clones) => median(results[n].map((r) => r.wall - r.tools));
    const report = [
      `one app changed (frontend page), runs per variant: ${runs} (medians, interleaved)`,
      `wall:      source ${f(wall('source'))} s   compiled ${f(wall('compiled'))} s   compiled/source ${f(wall('compiled') / wall('source'))}x`,
      `overhead:  source ${f(overhead('source'))} s   compiled ${f(overhead('compiled'))} s   compiled/source ${f(overhead('compiled') / overhead('source'))}x  (${f(overhead('source') - overhead('compiled'))} s saved per deploy)`,
      `raw: ${JSON.stringify(results)}`,
    ].join('\n');
    console.log(`\n${report}`);
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    appendFileSync(join(__dirname, 'results', 'latest.txt'), `${new Date().toISOString()} compiled-bench\n${report}\n\n`);
  } finally {
    await execa('helm', ['uninstall', 'todo-app', '-n', 'bench-compiled', '--wait'], {
      env: { ...process.env, KUBECONFIG: kubeconfig, PATH: `/var/cache/nx-k8s/bin:${process.env.PATH}` },
      reject: false,
    });
    Object.values(clones).forEach((ws) => ws.remove());
    shims.remove();
  }
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
