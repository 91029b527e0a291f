// Whether the cluster holds the record's image, and what loading it runs: answered from captured
// runtime listings (a stand-in runner that answers as the real tool did) and stand-ins for the
// pipe and the registry's HTTP (the registry adapter's own spec asks real HTTP servers).
import { readFileSync } from 'fs';
import { join } from 'path';
import { Http } from '../adapters/registry';
import { Piper, Runner } from '../adapters/run';
import { ImageRecord } from '../image/record';
import { isLoaded, loadImage } from './index';

const ctrListing = readFileSync(join(__dirname, '..', 'adapters', '__fixtures__', 'ctr-images-list.stdout'), 'utf8');
const FRONTEND_ID = 'sha256:1af32e273b2bb4fe0c3b33b8ad925c937499d62eb2df4d19260cae124cebabc4';

/** Answers `ctr images list` (and `--quiet`) as containerd 1.6 did for the captured node. */
const ctr: Runner = async (_program, args) => {
  const rows = ctrListing.split('\n').filter(Boolean);
  const stdout = args.includes('--quiet')
    ? rows
        .slice(1)
        .map((r) => r.split(/\s+/)[0])
        .join('\n') + '\n'
    : ctrListing;
  return { exitCode: 0, stdout, stderr: '' };
};

const record = (repository: string, tag: string, id: string): ImageRecord => ({
  repository,
  tag,
  ref: `${repository}:${tag}`,
  id,
  digest: null,
  size: 1,
  created: '',
  layers: [],
  dockerfile: 'D',
  builder: 'legacy',
});

describe('isLoaded', () => {
  const node = { kind: 'containerd' as const, address: '/run/nx-k8s-cluster/containerd.sock' };

  it('containerd: the name points at the record image', async () => {
    expect(await isLoaded(record('todo-frontend', 'nx-f73692a89d30b0bb', FRONTEND_ID), node, ctr)).toBe(true);
  });
  it('containerd: the name points at another build of the same tag (the lost-image rebuild): loaded, nothing to transfer', async () => {
    // Tags are content-addressed: a rebuild after Nx restored the record from cache gets a new
    // image ID from the same inputs, and the node holding it is in sync with the record.
    const rebuilt = record('todo-frontend', 'nx-f73692a89d30b0bb', `sha256:${'0'.repeat(64)}`);
    expect(await isLoaded(rebuilt, node, ctr)).toBe(true);
    const pipes: unknown[] = [];
    const pipe: Piper = async (...args) => (pipes.push(args), { bytes: 1, stdout: '', stderr: '' });
    expect(await loadImage(rebuilt, node, ctr, { pipe })).toBe('already present');
    expect(pipes).toEqual([]);
  });
  it('containerd: the image is there under another name only', async () => {
    expect(await isLoaded(record('todo-frontend', 'nx-0000000000000000', FRONTEND_ID), node, ctr)).toBe(false);
  });

  it('minikube: the name points at the record image', async () => {
    // `minikube image ls --format json` with the docker runtime: ids without sha256:, names with docker.io/library/.
    const minikube: Runner = async () => ({
      exitCode: 0,
      stdout: JSON.stringify([
        { id: 'aaa', repoTags: ['docker.io/library/todo-frontend:nx-1'] },
        { id: 'bbb', repoTags: ['todo-backend:nx-2'] },
      ]),
      stderr: '',
    });
    const target = { kind: 'minikube' as const, profile: 'minikube' };
    expect(await isLoaded(record('todo-frontend', 'nx-1', 'sha256:aaa'), target, minikube)).toBe(true);
    expect(await isLoaded(record('todo-backend', 'nx-2', 'sha256:bbb'), target, minikube)).toBe(true);
    expect(await isLoaded(record('todo-frontend', 'nx-1', 'sha256:bbb'), target, minikube)).toBe(true);
    expect(await isLoaded(record('todo-frontend', 'nx-3', 'sha256:aaa'), target, minikube)).toBe(false);
  });
});

describe('loadImage through stand-ins for the process and network boundary', () => {
  it('containerd: an image the node lacks goes through docker save | ctr import', async () => {
    const pipes: Array<[readonly string[], readonly string[]]> = [];
    const pipe: Piper = async (from, to) => (pipes.push([from, to]), { bytes: 1, stdout: '', stderr: '' });
    const node = { kind: 'containerd' as const, address: '/run/nx-k8s-load-spec/containerd.sock' };
    expect(await loadImage(record('todo-backend', 'nx-new', `sha256:${'1'.repeat(64)}`), node, ctr, { pipe })).toBe('loaded');
    expect(pipes).toEqual([
      [
        ['docker', 'save', 'todo-backend:nx-new'],
        ['ctr', '--address', node.address, '--namespace', 'k8s.io', 'images', 'import', '-'],
      ],
    ]);
  });
  it('registry: an image the registry has is not pushed again', async () => {
    const asked: string[] = [];
    const http: Http = async (url, init) => (asked.push(`${init.method} ${url}`), new Response(null, { status: 200 }));
    const pushes: string[][] = [];
    const docker: Runner = async (program, args) => (pushes.push([program, ...args]), { exitCode: 0, stdout: '', stderr: '' });
    const target = { kind: 'registry' as const, host: 'localhost:5000' };
    expect(await isLoaded(record('todo-backend', 'nx-1', 'sha256:x'), target, docker, { http })).toBe(true);
    expect(await loadImage(record('todo-backend', 'nx-1', 'sha256:x'), target, docker, { http })).toBe('already present');
    expect(asked).toEqual(['HEAD http://localhost:5000/v2/todo-backend/manifests/nx-1', 'HEAD http://localhost:5000/v2/todo-backend/manifests/nx-1']);
    expect(pushes).toEqual([]);
  });

  it('kind: loads only into the nodes that lack the name, then checks every node lists it', async () => {
    // Two nodes: the control plane holds todo-frontend (the captured listing), the worker holds nothing yet.
    const header = ctrListing.split('\n')[0] + '\n';
    const held: Record<string, string> = { 'dev-control-plane': ctrListing, 'dev-worker': header };
    const calls: string[][] = [];
    const kind: Runner = async (program, args) => {
      calls.push([program, ...args]);
      if (program === 'kind' && args[0] === 'get') return { exitCode: 0, stdout: 'dev-control-plane\ndev-worker\n', stderr: '' };
      if (program === 'docker') return { exitCode: 0, stdout: held[args[1]], stderr: '' };
      held['dev-worker'] = ctrListing; // kind load docker-image --nodes dev-worker
      return { exitCode: 0, stdout: '', stderr: '' };
    };
    const target = { kind: 'kind' as const, name: 'dev' };
    const frontend = record('todo-frontend', 'nx-f73692a89d30b0bb', FRONTEND_ID);
    expect(await isLoaded(frontend, target, kind)).toBe(false);
    expect(await loadImage(frontend, target, kind)).toBe('loaded');
    expect(calls.filter(([p]) => p === 'kind').map((c) => c.join(' '))).toContain(
      'kind load docker-image --name dev --nodes dev-worker todo-frontend:nx-f73692a89d30b0bb',
    );
    expect(calls).toContainEqual([
      'docker',
      'exec',
      'dev-worker',
      'ctr',
      '--address',
      '/run/containerd/containerd.sock',
      '--namespace',
      'k8s.io',
      'images',
      'list',
    ]);
    expect(await isLoaded(frontend, target, kind)).toBe(true);
    calls.length = 0;
    expect(await loadImage(frontend, target, kind)).toBe('already present');
    expect(calls.filter(([p, a]) => p === 'kind' && a === 'load')).toEqual([]);
  });
  it('minikube: a load that exits 0 while the profile still does not list the image is an error (minikube does not report failed loads)', async () => {
    const calls: string[] = [];
    const minikube: Runner = async (program, args) => (calls.push([program, ...args].join(' ')), { exitCode: 0, stdout: '[]', stderr: '' });
    await expect(loadImage(record('todo-backend', 'nx-new', `sha256:${'1'.repeat(64)}`), { kind: 'minikube', profile: 'dev' }, minikube)).rejects.toThrow(
      /^minikube -p dev image load todo-backend:nx-new exited 0 but the profile does not list docker\.io\/library\/todo-backend:nx-new\. Fix: /,
    );
    expect(calls).toEqual([
      'minikube -p dev image ls --format json',
      'minikube -p dev image load --daemon=true todo-backend:nx-new',
      'minikube -p dev image ls --format json',
    ]);
  });
  it('minikube: an image held by ID only (listed as <none>) is loaded, not tagged from <none>; a tag that exits 0 but did nothing is an error', async () => {
    const id = `sha256:${'2'.repeat(64)}`;
    let listing = [{ id: '2'.repeat(64), repoTags: ['<none>:<none>'] }];
    const calls: string[] = [];
    const minikube: Runner = async (program, args) => {
      calls.push([program, ...args].join(' '));
      if (args.includes('load')) listing = [{ id: '2'.repeat(64), repoTags: ['docker.io/library/todo-frontend:nx-9'] }];
      return { exitCode: 0, stdout: JSON.stringify(listing), stderr: '' };
    };
    const target = { kind: 'minikube' as const, profile: 'minikube' };
    expect(await loadImage(record('todo-frontend', 'nx-9', id), target, minikube)).toBe('loaded');
    expect(calls.filter((c) => c.includes(' tag '))).toEqual([]);
    listing = [{ id: '2'.repeat(64), repoTags: ['docker.io/library/other:1'] }];
    await expect(loadImage(record('todo-frontend', 'nx-8', id), target, minikube)).rejects.toThrow(
      /^minikube -p minikube image tag docker\.io\/library\/other:1 todo-frontend:nx-8 exited 0 but the profile does not list docker\.io\/library\/todo-frontend:nx-8\. Fix: /,
    );
  });
  it('kind: a load that exits 0 while a node still lacks the image is an error naming the node', async () => {
    const header = ctrListing.split('\n')[0] + '\n';
    const kind: Runner = async (program, args) =>
      program === 'kind' && args[0] === 'get'
        ? { exitCode: 0, stdout: 'dev-control-plane\n', stderr: '' }
        : { exitCode: 0, stdout: program === 'docker' ? header : '', stderr: '' };
    await expect(loadImage(record('todo-backend', 'nx-new', `sha256:${'1'.repeat(64)}`), { kind: 'kind', name: 'dev' }, kind)).rejects.toThrow(
      /^kind load docker-image todo-backend:nx-new succeeded but node dev-control-plane does not list docker\.io\/library\/todo-backend:nx-new\. Fix: /,
    );
  });
});
