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
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { clusterUp } from '../apps/deploy-e2e/src/support/cluster';
import { repoRoot, Workspace } from '../apps/deploy-e2e/src/support/workspace';
import { median, Timed, toolShims } from './lib/timing';

const runs = Number(process.argv[2] ?? 7);

async function installTarball(ws: Workspace, packDir: string) {
  await execa(join(repoRoot, 'node_modules/.bin/nx'), ['run', 'nx-k8s:build'], { cwd: repoRoot, env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false' } });
  await execa('npm', ['pack', '--pack-destination', packDir], { cwd: join(repoRoot, 'libs/nx-k8s') });
  const tarball = join(
    packDir,
    readdirSync(packDir).find((f) => f.endsWith('.tgz'))!,
  );
  // A real directory, not the workspace link: Nx then loads dist/ as it does for any installed plugin.
  rmSync(join(ws.dir, 'node_modules/nx-k8s'), { force: true });
  mkdirSync(join(ws.dir, 'node_modules/nx-k8s'));
  await execa('tar', ['-xzf', tarball, '--strip-components=1', '-C', join(ws.dir, 'node_modules/nx-k8s')]);
  // Without the repository's TypeScript path, `nx-k8s` resolves to that package.
  const tsconfig = JSON.parse(ws.read('tsconfig.base.json'));
  delete tsconfig.compilerOptions.paths['nx-k8s'];
  ws.write('tsconfig.base.json', JSON.stringify(tsconfig, null, 2) + '\n');
  const project = JSON.parse(ws.read('charts/todo-app/project.json'));
  project.targets['helm-install'].options.namespace = 'bench-compiled';
  ws.write('charts/todo-app/project.json', JSON.stringify(project, null, 2) + '\n');
  ws.commit('bench: the plugin from its packed tarball, release in its own namespace');
}

async function main() {
  const { kubeconfig } = await clusterUp();
  const packDir = mkdtempSync(join(tmpdir(), 'nx-k8s-pack-'));
  const clones = { source: new Workspace(kubeconfig), compiled: new Workspace(kubeconfig) };
  const shims = toolShims();
  try {
    await installTarball(clones.compiled, packDir);
    const nx = async (ws: Workspace, args: string[]) => {
      const r = await execa(join(ws.dir, 'node_modules/.bin/nx'), args, { cwd: ws.dir, env: shims.env(ws.env), reject: false, all: true });
      if (r.exitCode !== 0) throw new Error(`nx ${args.join(' ')} failed in ${ws.dir}:\n${r.all?.slice(-3000)}`);
      return r.all ?? '';
    };
    const loaded = await nx(clones.compiled, ['show', 'project', 'todo-app', '--json']);
    if (!loaded.includes('nx-k8s:helm-install')) throw new Error('the compiled clone did not infer the release targets');
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
    rmSync(packDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
