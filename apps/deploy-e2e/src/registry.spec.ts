// The registry route: KEP-1755 discovery through the kube-public/local-registry-hosting
// ConfigMap and real pushes to Debian's docker-registry, for a cluster that is not local and
// for the embedded cluster's own registry (`local-cluster registry up`), where a change moves
// only the layers it adds.
import execa from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse, stringify } from 'yaml';
import { ClusterView, clusterUp } from './support/cluster';
import { du, startRegistry } from './support/registry';
import { executed, localCluster, Workspace } from './support/workspace';

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

test("the embedded cluster's own registry: deploys push to it, a one-line change moves only its new layers, registry down goes back to the import", async () => {
  const local = new Workspace(cluster.kubeconfig);
  const registryCmd = (cmd: 'up' | 'down') => execa('bash', [localCluster, 'registry', cmd], { all: true });
  const stored = () => du('/var/lib/nx-k8s-cluster/registry/data');
  try {
    expect((await registryCmd('up')).all).toContain('registry at 127.0.0.1:5001, advertised in kube-public/local-registry-hosting');
    const first = await local.nx(['run-many', '-t', 'deploy']);
    if (first.exitCode !== 0) throw new Error(first.output.slice(-3000));
    const fe = () => JSON.parse(local.read('dist/nx-k8s/frontend/image.json')) as { repository: string; tag: string; size: number };
    expect(first.output).toContain(`pushed: ${fe().repository}:${fe().tag} in registry 127.0.0.1:5001`);
    expect((await cluster.deploymentImages())['todo-frontend']).toBe(`127.0.0.1:5001/${fe().repository}:${fe().tag}`);

    const page = 'apps/frontend/app/page.tsx';
    local.write(page, local.read(page).replace(/<h1>Todos[^<]*<\/h1>/, '<h1>Todos (registry e2e)</h1>'));
    local.commit('e2e: a one-line change of the frontend');
    const before = stored();
    const changed = await local.nx(['run-many', '-t', 'deploy']);
    if (changed.exitCode !== 0) throw new Error(changed.output.slice(-3000));
    const moved = stored() - before;
    console.log(`one-line frontend change: the registry grew by ${(moved / 1e6).toFixed(1)} MB; the image is ${(fe().size / 1e6).toFixed(0)} MB`);
    expect(executed(changed)).toEqual(expect.arrayContaining(['frontend:minikube-load', 'todo-app:helm-install']));
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThan(fe().size / 10);
    expect((await cluster.deploymentImages())['todo-frontend']).toBe(`127.0.0.1:5001/${fe().repository}:${fe().tag}`);

    expect((await registryCmd('down')).all).toContain('no longer advertised');
    const back = await local.nx(['run-many', '-t', 'deploy']);
    if (back.exitCode !== 0) throw new Error(back.output.slice(-3000));
    expect(back.output).toMatch(new RegExp(`(loaded|already present|tagged[^:]*): ${fe().repository}:${fe().tag} in containerd node`));
    expect((await cluster.deploymentImages())['todo-frontend']).toBe(`${fe().repository}:${fe().tag}`);
  } finally {
    await registryCmd('down').catch(() => undefined);
    local.remove();
  }
});
