import { ExecutorContext, logger } from '@nx/devkit';
import { Helm } from '../../adapters/helm';
import { run } from '../../adapters/run';
import { ClusterTarget, connect, resolveCluster } from '../../cluster';
import { clusterImageFor } from '../../load';
import { descriptionFor } from '../../release';
import { mask } from '../../secrets';
import { buildReport, collectStatus, formatReport } from '../../status';
import { imageProjectsOf, logFor, projectRoot, report, taskHash } from '../context';
import { normalizeReleaseOptions, releaseDigest } from '../helm-install/normalize';
import { normalizeStatusOptions, NormalizedStatus } from './normalize';
import { StatusExecutorSchema } from './schema';
import { takeTags, WorkspaceTags } from './workspace-tags';

/** How each app's image reaches the cluster (its load target's options); null when that cannot be told. */
async function targets(o: NormalizedStatus): Promise<Map<string, ClusterTarget | null>> {
  const routes = await Promise.all(
    o.apps.map((a) =>
      resolveCluster({ ...a.load, context: a.load.context ?? o.context }, process.env, run).then(
        (c) => [a.project, c.target] as const,
        () => [a.project, null] as const,
      ),
    ),
  );
  return new Map(routes);
}

/** The description helm-install would give the release for the workspace as it is: its desired-state digest with the workspace's tags. */
async function workspaceDescription(
  o: NormalizedStatus,
  tags: WorkspaceTags,
  routes: Map<string, ClusterTarget | null>,
  context: ExecutorContext,
  helm: Helm,
): Promise<string> {
  if (!o.helmInstall) throw new Error('the project has no helm-install target');
  const task = { project: context.projectName!, projectRoot: projectRoot(context), target: o.helmInstall.target, configuration: o.configuration };
  const loaded = (project: string) => {
    const app = o.apps.find((a) => a.project === project);
    const route = routes.get(project);
    if (!app || !route || !tags[project]) throw new Error(`the image of ${project} cannot be named (no tag or no route into the cluster)`);
    return clusterImageFor({ repository: app.repository, tag: tags[project] }, route);
  };
  const release = normalizeReleaseOptions(
    o.helmInstall.options,
    task,
    context.root,
    process.env,
    imageProjectsOf(context.projectsConfigurations!.projects),
    loaded,
  );
  return descriptionFor(await releaseDigest(release, helm));
}

export default async function status(options: StatusExecutorSchema, context: ExecutorContext) {
  const log = logFor(context);
  let healthy = false;
  const outcome = await report(context, async () => {
    const started = Date.now();
    const o = normalizeStatusOptions(options, context.projectName!, context.configurationName, context.projectsConfigurations!.projects, context.root);
    const cluster = connect(o, process.env, run);
    const helm = new Helm(run, cluster.context.name);
    const tags = takeTags(taskHash(context), process.env);
    const routes = await targets(o);
    const apps = o.apps.map((a) => {
      const route = routes.get(a.project);
      const image = route && tags?.[a.project] ? clusterImageFor({ repository: a.repository, tag: tags[a.project] }, route) : null;
      return { project: a.project, repository: image?.repository ?? a.repository, workspaceRef: image?.ref ?? null };
    });
    let workspaceNote: string | undefined = tags
      ? undefined
      : 'the workspace state is unknown (run status through nx: its image tags come from Nx task hashes)';
    const [desiredDescription, snapshot] = await Promise.all([
      tags
        ? workspaceDescription(o, tags, routes, context, helm).catch((e: Error) => {
            workspaceNote = `the workspace state is unknown: ${e.message}`;
            return null;
          })
        : Promise.resolve(null),
      collectStatus({ release: o.release, namespace: o.namespace, apps, target: routes.values().next().value ?? null, desiredDescription: null }, cluster, run),
    ]);
    snapshot.desiredDescription = desiredDescription;
    snapshot.workspaceNote = workspaceNote;
    // Docker knows the image by the name docker-build gave it, not by the registry's.
    for (const a of o.apps) {
      const ref = apps.find((x) => x.project === a.project)?.workspaceRef;
      const local = tags?.[a.project] ? `${a.repository}:${tags[a.project]}` : null;
      if (ref && local && ref !== local) snapshot.builtHere.set(ref, snapshot.builtHere.get(local) ?? false);
    }
    const r = buildReport(snapshot);
    healthy = r.healthy;
    if (o.json) process.stdout.write(mask(JSON.stringify(r, null, 2)) + '\n');
    else {
      for (const line of formatReport(r)) logger.info(mask(line));
      log(`status in ${((Date.now() - started) / 1000).toFixed(2)} s`);
    }
    if (!r.healthy)
      throw new Error(`release ${o.release} is not healthy: ${r.problems[0]}${r.problems.length > 1 ? ` (and ${r.problems.length - 1} more above)` : ''}`);
  });
  return { success: outcome.success && healthy };
}
