// The registry route for clusters that are not local: KEP-1755 discovery through the
// kube-public/local-registry-hosting ConfigMap, and a real push to Debian's docker-registry.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse, stringify } from 'yaml';
import { ClusterView, clusterUp } from './support/cluster';
import { startRegistry } from './support/registry';
import { Workspace } from './support/workspace';

let ws: Workspace;
let cluster: ClusterView;
let registry: Awaited<ReturnType<typeof startRegistry>>;
let host: string;
let dir: string;
let remoteKubeconfig: string;

beforeAll(async () => {
  const c = await clusterUp();
  cluster = new ClusterView(c.kubeconfig, c.containerdAddress);
  dir = mkdtempSync(join(tmpdir(), 'nx-k8s-registry-e2e-'));
  registry = await startRegistry();
  host = registry.host;
  // The same cluster under another context name and without the nx-k8s.io/containerd extension:
  // nothing local about it, so only the cluster itself can say where images go.
  remoteKubeconfig = join(dir, 'kubeconfig');
  const remote = parse(readFileSync(c.kubeconfig, 'utf8').split('nx-k8s-local').join('e2e-remote'));
  for (const entry of remote.clusters) delete entry.cluster.extensions;
  writeFileSync(remoteKubeconfig, stringify(remote));
  await cluster.kubectl([
    'create',
    'configmap',
    'local-registry-hosting',
    '-n',
    'kube-public',
    `--from-literal=localRegistryHosting.v1=host: "${host}"\nhelp: "nx-k8s e2e"\n`,
  ]);
  ws = new Workspace(remoteKubeconfig);
});

afterAll(async () => {
  await cluster.kubectl(['delete', 'configmap', 'local-registry-hosting', '-n', 'kube-public', '--ignore-not-found']);
  await registry?.stop();
  ws?.remove();
  rmSync(dir, { recursive: true, force: true });
});

test('discovers the registry from local-registry-hosting and pushes the image there; a second load finds it', async () => {
  const run = await ws.nx(['run', 'backend:minikube-load']);
  if (run.exitCode !== 0) throw new Error(run.output.slice(-3000));
  const record = JSON.parse(ws.read('dist/nx-k8s/backend/image.json')) as { repository: string; tag: string };
  expect(run.output).toContain(`pushed: ${record.repository}:${record.tag} in registry ${host}`);
  const tags = (await (await fetch(`http://${host}/v2/${record.repository}/tags/list`)).json()) as { tags: string[] };
  expect(tags.tags).toContain(record.tag);
  expect(JSON.parse(ws.read('dist/nx-k8s/backend/cluster-image.json'))).toEqual({
    repository: `${host}/${record.repository}`,
    tag: record.tag,
    ref: `${host}/${record.repository}:${record.tag}`,
  });

  const again = await ws.nx(['run', 'backend:minikube-load', '--skip-nx-cache']);
  expect(again.exitCode).toBe(0);
  expect(again.output).toContain(`already present: ${record.repository}:${record.tag} in registry ${host}`);
});
