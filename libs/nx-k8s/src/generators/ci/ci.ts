// `nx g nx-k8s:ci`: a GitHub Actions workflow that runs `nx affected -t deploy` against a
// throwaway kind cluster. A workflow that says the same as the one this generator writes is kept
// byte for byte (a formatter's layout, comments); any other content is refused unless --force,
// so a hand-edited workflow is never overwritten silently.
import { formatFiles, generateFiles, GeneratorCallback, logger, readNxJson, Tree } from '@nx/devkit';
import { isDeepStrictEqual } from 'util';
import { join } from 'path';
import { parse } from 'yaml';
import { CiGeneratorSchema } from './schema';

/** Each action at a release's commit: a tag can be moved, a commit cannot. */
export const ACTIONS = {
  checkout: { repo: 'actions/checkout', tag: 'v7.0.1', sha: '3d3c42e5aac5ba805825da76410c181273ba90b1' },
  setupNode: { repo: 'actions/setup-node', tag: 'v7.0.0', sha: '820762786026740c76f36085b0efc47a31fe5020' },
  nxSetShas: { repo: 'nrwl/nx-set-shas', tag: 'v5.0.1', sha: 'afb73a62d26e41464e9254689e1fd6122ee683c1' },
  kind: { repo: 'helm/kind-action', tag: 'v1.14.0', sha: 'ef37e7f390d99f746eb8b610417061a60e82a6cc' },
  setupHelm: { repo: 'azure/setup-helm', tag: 'v5.0.1', sha: '9bc31f4ebc9c6b171d7bfbaa5d006ae7abdb4310' },
} as const;

interface NormalizedCiOptions {
  name: string;
  file: string;
  mainBranch: string;
  nodeVersion: string;
  helmVersion: string;
  validate: boolean;
  force: boolean;
  skipFormat: boolean;
}

function normalizeOptions(tree: Tree, o: CiGeneratorSchema): NormalizedCiOptions {
  const name = o.name ?? 'nx-k8s-deploy';
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`option name ${JSON.stringify(name)} is not a file name. Fix: use letters, digits, '.', '_' and '-'`);
  const helmVersion = o.helmVersion ?? 'v3.22.0';
  if (!/^v\d+\.\d+\.\d+$/.test(helmVersion))
    throw new Error(`option helmVersion ${JSON.stringify(helmVersion)} is not a helm release. Fix: give one like v3.22.0`);
  const nx = readNxJson(tree);
  return {
    name,
    file: `.github/workflows/${name}.yml`,
    mainBranch: o.mainBranch ?? nx?.defaultBase ?? nx?.affected?.defaultBase ?? 'main',
    nodeVersion: o.nodeVersion ?? '20',
    helmVersion,
    validate: o.validate ?? true,
    force: o.force ?? false,
    skipFormat: o.skipFormat ?? false,
  };
}

/** The same workflow whatever its layout and comments; a file that is no YAML is never the same. */
function sameWorkflow(a: string, b: string): boolean {
  try {
    return isDeepStrictEqual(parse(a), parse(b));
  } catch {
    return false;
  }
}

export async function ciGenerator(tree: Tree, options: CiGeneratorSchema = {}): Promise<GeneratorCallback> {
  const o = normalizeOptions(tree, options);
  const before = tree.exists(o.file) ? tree.read(o.file, 'utf-8')! : null;
  generateFiles(tree, join(__dirname, 'files'), '.', { ...o, actions: ACTIONS, tmpl: '', dot: '.' });
  const same = before !== null && sameWorkflow(before, tree.read(o.file, 'utf-8')!);
  if (before !== null && (same || !o.force)) {
    // The existing file stays byte for byte: it says the same, or it is not ours to overwrite.
    tree.write(o.file, before);
    if (!same)
      throw new Error(
        `${o.file} exists and differs from the workflow nx-k8s:ci writes (edited by hand, or written with other options). Fix: run with --force to overwrite it, or keep editing it by hand`,
      );
  }
  const outcome = before === null ? 'wrote' : same ? 'kept (already up to date)' : 'overwrote (--force)';
  if (!o.skipFormat) await formatFiles(tree);
  return () => {
    logger.info(
      `nx-k8s ci: ${outcome} ${o.file}: on pull requests and pushes to ${o.mainBranch}, npx nx affected -t ${o.validate ? 'validate, then ' : ''}deploy on a kind cluster`,
    );
    logger.info('Next steps:');
    logger.info(`  - Commit ${o.file}; its first run on ${o.mainBranch} is the base later pull requests are compared with.`);
    logger.info(
      '  - Secrets of helm-install (option secrets) come from the environment in CI: add them as repository secrets and give them to the deploy step with env: KEY: ${{ secrets.KEY }}.',
    );
  };
}

export default ciGenerator;
