// The package's entry: Nx loads the inference plugin from here (nx.json `plugins: ["nx-k8s"]`).
export { createDependencies, createNodes } from './plugins/plugin';
export type { NxK8sPluginOptions } from './plugins/plugin';
