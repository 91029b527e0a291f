// Whether the cluster holds the record's image: answered from captured runtime listings (a
// stand-in runner that answers as the real tool did) and, for a registry, real HTTP servers.
import { readFileSync } from 'fs';
import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import { join } from 'path';
import { Runner } from '../adapters/run';
import { ImageRecord } from '../image/record';
import { isLoaded, registryHas } from './index';

const ctrListing = readFileSync(join(__dirname, '..', 'adapters', '__fixtures__', 'ctr-images-list.stdout'), 'utf8');
const FRONTEND_ID = 'sha256:1af32e273b2bb4fe0c3b33b8ad925c937499d62eb2df4d19260cae124cebabc4';
const BACKEND_ID = 'sha256:e96bf8f3fd11e1b18a5d882c4b9353893d5b78da81e58b81858cda2e2c38195f';

/** Answers `ctr images list` (and `--quiet`) as containerd 1.6 did for the captured node. */
const ctr: Runner = async (_program, args) => {
  const rows = ctrListing.split('\n').filter(Boolean);
  const stdout = args.includes('--quiet') ? rows.slice(1).map((r) => r.split(/\s+/)[0]).join('\n') + '\n' : ctrListing;
  return { exitCode: 0, stdout, stderr: '' };
};

const record = (repository: string, tag: string, id: string): ImageRecord => ({
  repository, tag, ref: `${repository}:${tag}`, id, digest: null, size: 1, created: '', layers: [], dockerfile: 'D', builder: 'legacy',
});

describe('isLoaded', () => {
  const node = { kind: 'containerd' as const, address: '/run/nx-k8s-cluster/containerd.sock' };

  it('containerd: the name points at the record image', async () => {
    expect(await isLoaded(record('todo-frontend', 'nx-f73692a89d30b0bb', FRONTEND_ID), node, ctr)).toBe(true);
  });
  it('containerd: the name is there but points at another image (a rebuild under the same tag)', async () => {
    expect(await isLoaded(record('todo-frontend', 'nx-f73692a89d30b0bb', BACKEND_ID), node, ctr)).toBe(false);
    expect(await isLoaded(record('todo-frontend', 'nx-f73692a89d30b0bb', `sha256:${'0'.repeat(64)}`), node, ctr)).toBe(false);
  });
  it('containerd: the image is there under another name only', async () => {
    expect(await isLoaded(record('todo-frontend', 'nx-0000000000000000', FRONTEND_ID), node, ctr)).toBe(false);
  });

  it('minikube: the name points at the record image', async () => {
    // `minikube image ls --format json` with the docker runtime: ids without sha256:, names with docker.io/library/.
    const minikube: Runner = async () => ({ exitCode: 0, stdout: JSON.stringify([{ id: 'aaa', repoTags: ['docker.io/library/todo-frontend:nx-1'] }, { id: 'bbb', repoTags: ['todo-backend:nx-2'] }]), stderr: '' });
    const target = { kind: 'minikube' as const, profile: 'minikube' };
    expect(await isLoaded(record('todo-frontend', 'nx-1', 'sha256:aaa'), target, minikube)).toBe(true);
    expect(await isLoaded(record('todo-backend', 'nx-2', 'sha256:bbb'), target, minikube)).toBe(true);
    expect(await isLoaded(record('todo-frontend', 'nx-1', 'sha256:bbb'), target, minikube)).toBe(false);
  });
});

describe('registryHas', () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));
  async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('asks HEAD /v2/<repository>/manifests/<tag>', async () => {
    const seen: string[] = [];
    const host = await serve((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.statusCode = req.url === '/v2/todo-backend/manifests/nx-1' ? 200 : 404;
      res.end();
    });
    expect(await registryHas(host, 'todo-backend', 'nx-1')).toBe(true);
    expect(await registryHas(host, 'todo-backend', 'nx-2')).toBe(false);
    expect(seen).toEqual(['HEAD /v2/todo-backend/manifests/nx-1', 'HEAD /v2/todo-backend/manifests/nx-2']);
  });

  it('gives up with one line when the registry accepts the connection but never answers', async () => {
    const host = await serve(() => undefined);
    const started = Date.now();
    await expect(registryHas(host, 'todo-backend', 'nx-1', 300)).rejects.toThrow(
      new RegExp(`^registry ${host} did not answer HEAD /v2/todo-backend/manifests/nx-1 within 0.3 s: is it running and reachable from this machine\\? Fix: `),
    );
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('says so when nothing listens', async () => {
    const host = await serve(() => undefined);
    servers.pop()!.close();
    await expect(registryHas(host, 'todo-backend', 'nx-1')).rejects.toThrow(new RegExp(`^registry ${host} does not answer \\(ECONNREFUSED\\)\\. Fix: `));
  });
});
