// The release's in-sync check as its own process: what a `{ "runtime": ... }` input would
// run per cluster task if Nx removes custom hashers. Prints one line, as such an input would.
// Usage: node -r @swc-node/register bench/sync-state.ts <chartDir> <release> <namespace>
import { Helm } from '../libs/nx-k8s/src/adapters/helm';
import { run } from '../libs/nx-k8s/src/adapters/run';
import { connect } from '../libs/nx-k8s/src/cluster';
import { releaseInSync } from '../libs/nx-k8s/src/release';

export async function check(release: string, namespace: string, digest: string): Promise<boolean> {
  const cluster = connect({}, process.env, run);
  return releaseInSync(cluster, new Helm(run, cluster.context.name), release, namespace, digest);
}

if (require.main === module) {
  const [release, namespace, digest] = process.argv.slice(2);
  check(release, namespace, digest).then((inSync) => console.log(inSync ? 'in-sync' : `out-of-sync ${Date.now()}`));
}
