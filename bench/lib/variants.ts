// The workspaces the benches compare, each a clone of this repository made into one variant:
// the plugin as a user installs it (its packed tarball), the Nx floor (the same task graph with
// every plugin target an `nx:noop`), and the Skaffold baseline with its registry.
import execa from 'execa';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { repoRoot, Workspace } from '../../apps/deploy-e2e/src/support/workspace';

const nxEnv = { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false' };

/** `nx` in a clone; its output when it fails. */
export async function nxIn(ws: Workspace, args: string[], env: NodeJS.ProcessEnv = ws.env): Promise<string> {
  const r = await execa(join(ws.dir, 'node_modules/.bin/nx'), args, { cwd: ws.dir, env, reject: false, all: true });
  if (r.exitCode !== 0) throw new Error(`nx ${args.join(' ')} failed in ${ws.dir}:\n${r.all?.slice(-3000)}`);
  return r.all ?? '';
}

/** The plugin from its packed tarball in the clone's node_modules (no TypeScript path to the source), its release in `namespace`. */
export async function installTarball(ws: Workspace, namespace: string): Promise<void> {
  const packDir = mkdtempSync(join(tmpdir(), 'nx-k8s-pack-'));
  try {
    await execa(join(repoRoot, 'node_modules/.bin/nx'), ['run', 'nx-k8s:build'], { cwd: repoRoot, env: nxEnv });
    await execa('npm', ['pack', '--pack-destination', packDir], { cwd: join(repoRoot, 'libs/nx-k8s') });
    const tarball = join(
      packDir,
      readdirSync(packDir).find((f) => f.endsWith('.tgz'))!,
    );
    // A real directory, not the workspace link: Nx then loads dist/ as it does for any installed plugin.
    rmSync(join(ws.dir, 'node_modules/nx-k8s'), { force: true });
    mkdirSync(join(ws.dir, 'node_modules/nx-k8s'));
    await execa('tar', ['-xzf', tarball, '--strip-components=1', '-C', join(ws.dir, 'node_modules/nx-k8s')]);
  } finally {
    rmSync(packDir, { recursive: true, force: true });
  }
  const tsconfig = JSON.parse(ws.read('tsconfig.base.json'));
  delete tsconfig.compilerOptions.paths['nx-k8s'];
  ws.write('tsconfig.base.json', JSON.stringify(tsconfig, null, 2) + '\n');
  setReleaseNamespace(ws, namespace);
  ws.commit(`bench: the plugin from its packed tarball, release in namespace ${namespace}`);
  const loaded = await nxIn(ws, ['show', 'project', 'todo-app', '--json']);
  if (!loaded.includes('nx-k8s:helm-install')) throw new Error(`the clone in ${ws.dir} did not infer the release targets from the tarball`);
}

export function setReleaseNamespace(ws: Workspace, namespace: string): void {
  const project = JSON.parse(ws.read('charts/todo-app/project.json'));
  project.targets['helm-install'].options.namespace = namespace;
  ws.write('charts/todo-app/project.json', JSON.stringify(project, null, 2) + '\n');
}

interface Target {
  executor?: string;
  options?: unknown;
  configurations?: unknown;
  [k: string]: unknown;
}

/**
 * The Nx floor: every project's targets as Nx resolves them, written out explicitly, each
 * plugin target replaced by an `nx:noop` with the same dependsOn, inputs, outputs and cache
 * setting, and the plugin removed from nx.json. `nx run-many -t deploy` then walks the same
 * graph and hashes the same files with none of the plugin's work. Returns the number of
 * targets replaced.
 */
export async function makeNxFloor(ws: Workspace, opts: { emptyPlugin?: boolean } = {}): Promise<number> {
  // The whole resolved graph from one nx call, however many projects.
  const file = join(mkdtempSync(join(tmpdir(), 'nx-k8s-floor-')), 'graph.json');
  await nxIn(ws, ['graph', `--file=${file}`]);
  const nodes = (JSON.parse(readFileSync(file, 'utf8')) as { graph: { nodes: Record<string, { data: { root: string; targets: Record<string, Target> } }> } })
    .graph.nodes;
  rmSync(dirname(file), { recursive: true, force: true });
  let replaced = 0;
  for (const [name, { data: p }] of Object.entries(nodes)) {
    if (!Object.values(p.targets).some((t) => t.executor?.startsWith('nx-k8s:'))) continue;
    const projectFile = join(p.root, 'project.json');
    // A project only the plugin inferred (a chart) gets a project.json of its own.
    const config = existsSync(join(ws.dir, projectFile)) ? JSON.parse(ws.read(projectFile)) : { name, root: p.root };
    config.targets = Object.fromEntries(
      Object.entries(p.targets).map(([k, t]) => {
        if (!t.executor?.startsWith('nx-k8s:')) return [k, t];
        replaced++;
        const { executor: _e, options: _o, configurations: _c, ...rest } = t;
        return [k, { ...rest, executor: 'nx:noop' }];
      }),
    );
    ws.write(projectFile, JSON.stringify(config, null, 2) + '\n');
  }
  const nxJson = JSON.parse(ws.read('nx.json'));
  nxJson.plugins = (nxJson.plugins ?? []).filter((e: string | { plugin: string }) => (typeof e === 'string' ? e : e.plugin) !== 'nx-k8s');
  if (opts.emptyPlugin) {
    // What any inference plugin costs Nx (its own worker process, a createNodes round trip),
    // with none of nx-k8s's work: it matches one file and infers nothing.
    ws.write('tools/bench-empty-plugin.js', "exports.createNodes = ['**/bench-empty-plugin.marker', async () => []];\n");
    ws.write('tools/bench-empty-plugin.marker', '');
    nxJson.plugins.push('./tools/bench-empty-plugin.js');
  }
  ws.write('nx.json', JSON.stringify(nxJson, null, 2) + '\n');
  ws.commit(`bench: the Nx floor (the same graph, nx:noop targets, ${opts.emptyPlugin ? 'an empty inference plugin' : 'no plugin'})`);
  return replaced;
}

export { startRegistry } from '../../apps/deploy-e2e/src/support/registry';

/** Skaffold, built here (bench/skaffold/build.sh), with the todo app's skaffold.yaml in the clone. */
export async function makeSkaffold(ws: Workspace, registry: string) {
  const bin = (await execa('bash', [join(repoRoot, 'bench/skaffold/build.sh')], { stderr: 'inherit' })).stdout.trim();
  copyFileSync(join(repoRoot, 'bench/skaffold/skaffold.yaml'), join(ws.dir, 'skaffold.yaml'));
  ws.commit('bench: skaffold.yaml');
  const home = mkdtempSync(join(tmpdir(), 'nx-k8s-bench-skaffold-'));
  // Skaffold's global config: no update check, no metrics, no survey prompt.
  const config = join(home, 'config');
  writeFileSync(config, 'global:\n  update-check: false\n  collect-metrics: false\n  survey:\n    disable-prompt: true\n');
  // Its PATH holds only the tools it runs: Debian's docker-credential-gcloud (in /usr/bin here)
  // is called on every build when found, adding seconds to each run that are not Skaffold's.
  const bins = join(home, 'bin');
  mkdirSync(bins);
  for (const tool of ['docker', 'helm', 'kubectl', 'git']) {
    const real = (await execa('bash', ['-c', 'command -v "$1"', 'which', tool], { env: ws.env })).stdout.trim();
    symlinkSync(real, join(bins, tool));
  }
  const argv = ['run', '--config', config, '--default-repo', registry, '--update-check=false', '--interactive=false', '--status-check=true'];
  return {
    bin,
    argv,
    env: { ...ws.env, PATH: bins, SKAFFOLD_UPDATE_CHECK: 'false', SKAFFOLD_COLLECT_METRICS: 'false' },
    remove: () => rmSync(home, { recursive: true, force: true }),
  };
}
