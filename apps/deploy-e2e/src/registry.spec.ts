// The registry route for clusters that are not local: KEP-1755 discovery through the
// kube-public/local-registry-hosting ConfigMap, and a real push to Debian's docker-registry.
import execa from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse, stringify } from 'yaml';
import { ClusterView, clusterUp } from './support/cluster';
import { waitFor } from './support/http';
import { Workspace } from './support/workspace';

let ws: Workspace;
let cluster: ClusterView;
let registry: execa.ExecaChildProcess;
let host: string;
let dir: string;
let remoteKubeconfig: string;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  const c = await clusterUp();
  cluster = new ClusterView(c.kubeconfig, c.containerdAddress);
  dir = mkdtempSync(join(tmpdir(), 'nx-k8s-registry-'));
  host = `127.0.0.1:${await freePort()}`;
  writeFileSync(join(dir, 'config.yml'), `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: ${host}\n`);
  registry = execa('docker-registry', ['serve', join(dir, 'config.yml')], { reject: false, all: true });
  await waitFor(
    'the registry to answer',
    async () =>
      (await fetch(`http://${host}/v2/`)
        .then((r) => r.ok)
        .catch(() => false))
        ? true
        : undefined,
    30_000,
  );
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
  registry?.kill('SIGTERM');
  await registry;
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
