// `nx add nx-k8s`: register the inference plugin and keep what the plugin writes out of git,
// and so out of every task's inputs (Nx hashes only files git does not ignore).
import { formatFiles, GeneratorCallback, logger, readNxJson, Tree, updateNxJson, visitNotIgnoredFiles } from '@nx/devkit';
import { posix } from 'path';
import { parse } from 'yaml';
import { RECORDS_DIR } from '../../records';
import { InitGeneratorSchema } from './schema';

const PLUGIN = 'nx-k8s';

/** Packaged copies of a chart's file:// subcharts (helm dependency build writes them into charts/). */
function packagedSubcharts(tree: Tree): string[] {
  const out: string[] = [];
  visitNotIgnoredFiles(tree, '', (file) => {
    if (posix.basename(file) !== 'Chart.yaml') return;
    let chart: { dependencies?: Array<{ name?: string; repository?: string }> } | null;
    try {
      chart = parse(tree.read(file, 'utf-8') ?? '');
    } catch {
      return;
    }
    for (const d of chart?.dependencies ?? []) {
      if (d?.name && d.repository?.startsWith('file://')) out.push(`/${posix.join(posix.dirname(file), 'charts', `${d.name}-*.tgz`)}`);
    }
  });
  return out.sort();
}

function addIgnoreEntries(tree: Tree, entries: string[]): string[] {
  const text = tree.exists('.gitignore') ? tree.read('.gitignore', 'utf-8')! : '';
  const present = new Set(text.split(/\r?\n/).map((l) => l.trim()));
  const missing = entries.filter((e) => !present.has(e));
  if (missing.length)
    tree.write(
      '.gitignore',
      `${text}${text && !text.endsWith('\n') ? '\n' : ''}\n# nx-k8s: secrets, records and packaged subcharts (never task inputs)\n${missing.join('\n')}\n`,
    );
  return missing;
}

export async function initGenerator(tree: Tree, options: InitGeneratorSchema = {}): Promise<GeneratorCallback> {
  const nxJson = readNxJson(tree) ?? {};
  const plugins = nxJson.plugins ?? [];
  const registered = plugins.some((p) => (typeof p === 'string' ? p : p.plugin) === PLUGIN);
  if (!registered) {
    nxJson.plugins = [...plugins, PLUGIN];
    updateNxJson(tree, nxJson);
  }
  const added = addIgnoreEntries(tree, ['.env', `/${RECORDS_DIR}/`, '.nx-k8s-dependencies', ...packagedSubcharts(tree)]);
  if (!options.skipFormat) await formatFiles(tree);
  return () => {
    logger.info(
      `nx-k8s: ${registered ? 'already registered in nx.json' : 'registered in nx.json plugins'}; .gitignore ${added.length ? `gained ${added.join(' ')}` : 'already had its entries'}`,
    );
    logger.info('Next steps:');
    logger.info(
      '  - A project with a Dockerfile in its directory gets docker-build, minikube-load and deploy (a Dockerfile elsewhere: set option dockerfile of its docker-build target in project.json).',
    );
    logger.info(
      '  - A Helm chart (Chart.yaml, not a file:// subchart) gets validate, helm-install (a configuration per values-<env>.yaml), deploy and port-forward; it deploys the images its values name in image.repository.',
    );
    logger.info(
      '  - Secrets: map each environment variable to a values path in option secrets of helm-install, and put the values in .env (git-ignored) or the environment.',
    );
    logger.info(
      '  - npx nx show project <name> shows what was inferred; npx nx run-many -t deploy builds, loads and deploys everything; npx nx run <chart>:port-forward opens it on localhost.',
    );
  };
}

export default initGenerator;
