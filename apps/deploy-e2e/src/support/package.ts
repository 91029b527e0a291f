// The plugin as a user gets it: the packed tarball (never a link to this repository), and
// brand-new workspaces that install it with `nx add`.
import execa from 'execa';
import { mkdirSync, readdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { repoRoot } from './workspace';

export const npm = (args: string[], cwd: string) => execa('npm', [...args, '--no-audit', '--no-fund'], { cwd, env: { ...process.env, CI: 'true' } });

/** Builds the package and packs it into `dir`; returns the tarball's path. */
export async function packedTarball(dir: string): Promise<string> {
  await execa(join(repoRoot, 'node_modules/.bin/nx'), ['run', 'nx-k8s:build', '--outputStyle=stream'], {
    cwd: repoRoot,
    env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false' },
  });
  await execa('npm', ['pack', '--pack-destination', dir], { cwd: join(repoRoot, 'libs/nx-k8s') });
  return join(
    dir,
    readdirSync(dir).find((f) => f.endsWith('.tgz'))!,
  );
}

/**
 * The smallest Nx workspace a user could have: nx and @nx/devkit at the given versions, a git
 * repository, nothing else. Returns its directory (`<parent>/ws`).
 */
export async function minimalWorkspace(parent: string, nx: string, devkit = nx): Promise<string> {
  const ws = join(parent, 'ws');
  mkdirSync(ws);
  writeFileSync(
    join(ws, 'package.json'),
    JSON.stringify({ name: 'ws', version: '0.0.0', private: true, devDependencies: { nx, '@nx/devkit': devkit } }, null, 2) + '\n',
  );
  writeFileSync(
    join(ws, 'nx.json'),
    JSON.stringify({ $schema: './node_modules/nx/schemas/nx-schema.json', namedInputs: { default: ['{projectRoot}/**/*'] } }, null, 2) + '\n',
  );
  writeFileSync(join(ws, '.gitignore'), 'node_modules\n.nx\n');
  await npm(['install'], ws);
  await execa('git', ['init', '-q', '-b', 'main'], { cwd: ws });
  return ws;
}
