// The plugin's options (nx.json `plugins` entry), normalized once.

export interface NxK8sPluginOptions {
  /** Glob of Dockerfiles that make a project an image project (its directory is the project). */
  dockerfilePattern?: string;
  /** Glob of charts; a chart that another one uses as a file:// dependency is a subchart, not a release. */
  chartPattern?: string;
  buildTargetName?: string;
  loadTargetName?: string;
  deployTargetName?: string;
  validateTargetName?: string;
  releaseTargetName?: string;
  portForwardTargetName?: string;
  statusTargetName?: string;
  logsTargetName?: string;
  devTargetName?: string;
}

export type NormalizedPluginOptions = Required<NxK8sPluginOptions>;

export function normalizePluginOptions(o: NxK8sPluginOptions | undefined): NormalizedPluginOptions {
  const names = {
    buildTargetName: o?.buildTargetName ?? 'docker-build',
    loadTargetName: o?.loadTargetName ?? 'minikube-load',
    deployTargetName: o?.deployTargetName ?? 'deploy',
    validateTargetName: o?.validateTargetName ?? 'validate',
    releaseTargetName: o?.releaseTargetName ?? 'helm-install',
    portForwardTargetName: o?.portForwardTargetName ?? 'port-forward',
    statusTargetName: o?.statusTargetName ?? 'status',
    logsTargetName: o?.logsTargetName ?? 'logs',
    devTargetName: o?.devTargetName ?? 'dev',
  };
  const seen = new Map<string, string>();
  for (const [option, name] of Object.entries(names)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9:_-]*$/.test(name))
      throw new Error(`nx-k8s plugin option ${option} '${name}' is not a target name (nx.json plugins). Fix: use letters, digits, '-', '_' or ':'`);
    if (seen.has(name)) {
      throw new Error(`nx-k8s plugin options ${seen.get(name)} and ${option} are both '${name}' (nx.json plugins). Fix: give each target its own name`);
    }
    seen.set(name, option);
  }
  return { dockerfilePattern: o?.dockerfilePattern ?? '**/Dockerfile', chartPattern: o?.chartPattern ?? '**/Chart.yaml', ...names };
}
