// `nx g nx-k8s:app <project>`: makes a Node or Python project deployable by the plugin. A
// Dockerfile in its directory makes it an image project; a subchart beside the umbrella chart,
// wired in as a file:// dependency whose values name the project's repository, makes the
// umbrella's deploy build, load and deploy it. Existing files are kept and edits only add what
// is missing, so running it again changes nothing.
import { formatFiles, generateFiles, GeneratorCallback, logger, readJson, readProjectConfiguration, Tree, updateProjectConfiguration } from '@nx/devkit';
import { join, posix } from 'path';
import { parse } from 'yaml';
import { initGenerator } from '../init/init';
import { NormalizedAppOptions, normalizeOptions } from './lib/normalize-options';
import { addDependency, addGlobalValues, addImageValues, addSchemaProperty, sharedResource, writeChartLock } from './lib/umbrella';
import { AppGeneratorSchema } from './schema';

const FILES = join(__dirname, 'files');
/** The subchart's version and appVersion, and the image tag its values default to. */
const VERSION = '0.1.0';

function setBuildOptions(tree: Tree, o: NormalizedAppOptions): void {
  const config = readProjectConfiguration(tree, o.project);
  const target = config.targets?.[o.plugin.buildTargetName] ?? {};
  config.targets = { ...config.targets, [o.plugin.buildTargetName]: { ...target, options: { ...target.options, ...o.buildOptions } } };
  updateProjectConfiguration(tree, o.project, config);
}

const chartName = (tree: Tree, dir: string) => (parse(tree.read(`${dir}/Chart.yaml`, 'utf-8') ?? '') as { name?: string } | null)?.name;

/** The umbrella's Nx project: named by its project.json, else (inferred by the plugin) by its chart. */
function umbrellaProject(tree: Tree, dir: string): string {
  const projectJson = `${dir}/project.json`;
  return (tree.exists(projectJson) ? readJson<{ name?: string }>(tree, projectJson).name : undefined) ?? chartName(tree, dir) ?? posix.basename(dir);
}

export async function appGenerator(tree: Tree, options: AppGeneratorSchema): Promise<GeneratorCallback> {
  const o = normalizeOptions(tree, options);
  const report: string[] = [];
  if (o.runtime) {
    generateFiles(tree, join(FILES, o.runtime), o.root, { ...o, tmpl: '', dot: '.' });
    report.push(
      `wrote ${posix.join(o.root, 'Dockerfile')} (${o.runtime === 'node' ? 'Node' : 'Python'}, BASE_IMAGE=${o.baseImage}, port ${o.port}, CMD ${o.command.join(' ')}) and its .dockerignore`,
    );
  } else report.push(`kept ${o.dockerfile}: ${o.project} already has a Dockerfile, left as it is`);
  if (Object.keys(o.buildOptions).length) {
    setBuildOptions(tree, o);
    const set = Object.entries(o.buildOptions).map(([k, v]) => `${k}=${v}`);
    report.push(`set ${set.join(', ')} on ${o.project}:${o.plugin.buildTargetName}, so the plugin builds it`);
  }

  const creating = !tree.exists(`${o.umbrellaDir}/Chart.yaml`);
  const umbrellaName = (creating ? undefined : chartName(tree, o.umbrellaDir)) ?? posix.basename(o.umbrellaDir);
  const configMap = creating ? { name: `${umbrellaName}-config`, create: true } : sharedResource(tree, o.umbrellaDir, 'ConfigMap', `${umbrellaName}-config`);
  const secret = creating ? { name: `${umbrellaName}-secrets`, create: true } : sharedResource(tree, o.umbrellaDir, 'Secret', `${umbrellaName}-secrets`);
  const substitutions = { ...o, umbrellaName, configMap: configMap.name, secret: secret.name, tmpl: '' };
  if (creating) generateFiles(tree, join(FILES, 'umbrella'), o.umbrellaDir, substitutions);
  else addGlobalValues(tree, o.umbrellaDir, [...(configMap.create ? ['config'] : []), ...(secret.create ? ['secrets'] : [])]);

  const chartFile = `${o.chartDir}/Chart.yaml`;
  const ownChart = !tree.exists(chartFile);
  if (ownChart) generateFiles(tree, join(FILES, 'chart'), o.chartDir, substitutions);
  const chart = parse(tree.read(chartFile, 'utf-8') ?? '') as { name?: string; version?: string } | null;
  if (chart?.name !== o.chartName)
    throw new Error(`${chartFile} is chart ${chart?.name}, not ${o.chartName}. Fix: move it away, or choose another umbrella with --umbrella`);
  report.push(ownChart ? `wrote subchart ${o.chartDir}` : `kept subchart ${o.chartDir} (it exists)`);

  const wired = [
    addDependency(tree, o.umbrellaDir, o.chartName, String(chart.version ?? VERSION)) && `dependency ${o.chartName} (file://../${o.chartName})`,
    addImageValues(
      tree,
      o.umbrellaDir,
      o.chartName,
      { repository: o.repository, tag: VERSION },
      `${o.project} (${o.root}): the image its docker-build builds.`,
    ) && `values ${o.chartName}.image (repository ${o.repository})`,
    addSchemaProperty(tree, o.umbrellaDir, o.chartName) && `values.schema.json property ${o.chartName}`,
    writeChartLock(tree, o.umbrellaDir) && 'Chart.lock',
  ].filter(Boolean);
  report.push(
    `${creating ? 'created' : 'used'} umbrella chart ${o.umbrellaDir}: ${wired.length ? `gained ${wired.join(', ')}` : 'already deploys it'}; the app reads ConfigMap ${configMap.name} and Secret ${secret.name}`,
  );

  // Nothing is inferred unless the plugin is registered; the packaged subcharts are git-ignored.
  await initGenerator(tree, { skipFormat: true });
  if (!o.skipFormat) await formatFiles(tree);
  // Go templates are not YAML: written after formatting, so no YAML formatter rewrites them.
  if (ownChart) generateFiles(tree, join(FILES, 'chart-templates'), o.chartDir, substitutions);
  if (configMap.create) generateFiles(tree, join(FILES, 'umbrella-configmap'), o.umbrellaDir, substitutions);
  if (secret.create) generateFiles(tree, join(FILES, 'umbrella-secret'), o.umbrellaDir, substitutions);

  const release = umbrellaProject(tree, o.umbrellaDir);
  return () => {
    for (const line of report) logger.info(`nx-k8s app ${o.project}: ${line}`);
    logger.info('Next steps:');
    logger.info(`  - npx nx show project ${release}: the umbrella's validate, helm-install, deploy and port-forward; it now deploys ${o.project}.`);
    logger.info(`  - npx nx run ${release}:deploy (or npx nx run-many -t deploy) builds ${o.repository}, loads it into the cluster and installs the release.`);
    logger.info(`  - npx nx run ${release}:port-forward opens Service ${o.chartName} (port ${o.port}) on localhost once ${o.healthPath} answers.`);
    logger.info(
      `  - Configuration: keys of global.config in ${o.umbrellaDir}/values.yaml. Secrets: map each to global.secrets.<KEY> in option secrets of ${release}:helm-install, and put the value in .env.`,
    );
  };
}

export default appGenerator;
