// The package's entry: Nx loads the inference plugin from here (nx.json `plugins: ["nx-k8s"]`);
// tests that run against the deployed app wait for its forwards with waitForForwards.
export { createDependencies, createNodes } from './plugins/plugin';
export type { NxK8sPluginOptions } from './plugins/plugin';
export { readForwards, waitForForwards } from './forward';
export type { ForwardsRecord } from './forward';
