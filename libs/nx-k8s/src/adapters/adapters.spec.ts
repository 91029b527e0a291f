// Argument building and output parsing of every adapter, with outputs captured from the
// real tools run here (__fixtures__).
import { readFileSync } from 'fs';
import { join } from 'path';
import { buildArgs, builderEnv, missingBaseImage, parseInspect, parseProgress } from './docker';
import { ctrArgv, normalizeRef } from './containerd';
import { getManifestArgv, parseHistory, parseManifest, parseStatus, parseStoredRelease, Helm, upgradeArgv } from './helm';
import { parseNodes } from './kind';
import { parseForwardingLine } from './kubectl';
import { parseImageList } from './minikube';

const fixture = (f: string) => readFileSync(join(__dirname, '__fixtures__', f), 'utf8');

describe('docker', () => {
  it('builds build argv: sorted build args, iidfile, context last', () => {
    expect(
      buildArgs({ dockerfile: 'docker/a.Dockerfile', context: '.', ref: 'a:nx-1', iidFile: '/t/iid', buildArgs: { Z: '1', A: 'b c' }, builder: 'legacy' }),
    ).toEqual(['build', '-f', 'docker/a.Dockerfile', '-t', 'a:nx-1', '--iidfile', '/t/iid', '--build-arg', 'A=b c', '--build-arg', 'Z=1', '.']);
    expect(buildArgs({ dockerfile: 'D', context: 'ctx', ref: 'a:1', iidFile: 'f', buildArgs: {}, target: 'runtime', builder: 'buildkit' })).toEqual([
      'build',
      '-f',
      'D',
      '-t',
      'a:1',
      '--iidfile',
      'f',
      '--progress=plain',
      '--target',
      'runtime',
      'ctx',
    ]);
  });
  it('selects the builder through DOCKER_BUILDKIT', () => {
    expect(builderEnv('legacy').DOCKER_BUILDKIT).toBe('0');
    expect(builderEnv('buildkit').DOCKER_BUILDKIT).toBe('1');
  });
  it('parses image inspect (captured from Docker 20.10)', () => {
    const i = parseInspect(fixture('docker-image-inspect.json'))!;
    expect(i.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(i.size).toBeGreaterThan(1e6);
    expect(i.layers.length).toBeGreaterThan(0);
    expect(i.repoTags).toContain('nx-k8s-base/python:3.11-slim-bookworm');
    expect(parseInspect('[]')).toBeNull();
  });
  it('reads legacy and BuildKit progress lines', () => {
    const steps = fixture('docker-build-legacy.stdout').split('\n').map(parseProgress).filter(Boolean);
    expect(steps).toEqual([
      { step: 1, total: 3, text: 'FROM nx-k8s-base/python:3.11-slim-bookworm' },
      { step: 2, total: 3, text: 'RUN true' },
      { step: 3, total: 3, text: 'RUN echo hi' },
    ]);
    expect(parseProgress('#7 [build 3/7] RUN npm ci')).toEqual({ step: 3, total: 7, text: 'RUN npm ci' });
    expect(parseProgress(' ---> Running in 023121f18269')).toBeNull();
  });
  it('names a base image that Docker tried to pull', () => {
    expect(missingBaseImage('pull access denied for nx-k8s-base/nothing, repository does not exist')).toBe('nx-k8s-base/nothing');
    expect(missingBaseImage(fixture('docker-build-missing-base.stdout') + fixture('docker-build-missing-base.stderr'))).toBe('nx-k8s-base/nothing:1');
    expect(missingBaseImage(fixture('docker-build-legacy.stdout'))).toBeNull();
  });
});

describe('helm', () => {
  it('reads a release from the Secret helm stores it in as helm status reads it (both captured from one release)', () => {
    const stored = parseStoredRelease(fixture('helm-release-secret.data'));
    expect(stored).toEqual(parseStatus(fixture('helm-status.json')));
    expect(stored).toMatchObject({ name: 'capture', namespace: 'nx-k8s-capture', revision: 1, status: 'deployed', description: 'nx-k8s desired=fixture' });
    expect(stored.manifest).toContain('kind: Deployment');
  });
  it('always passes the full set of values, the non-file ones on standard input, and no --wait (own rollout check)', () => {
    const args = {
      release: 'todo-app',
      chart: 'charts/todo-app',
      namespace: 'default',
      valuesFiles: ['a.yaml', 'b.yaml'],
      stdinValues: '{"x":{"y":"1,2"}}',
      description: 'nx-k8s desired=abc',
      createNamespace: true,
      timeoutSeconds: 300,
    };
    const argv = upgradeArgv(args, 'nx-k8s-local');
    expect(argv).toEqual([
      'upgrade',
      '--install',
      'todo-app',
      'charts/todo-app',
      '--namespace',
      'default',
      '--kube-context',
      'nx-k8s-local',
      '--create-namespace',
      '--reset-values',
      '--values',
      'a.yaml',
      '--values',
      'b.yaml',
      '--values',
      '-',
      '--description',
      'nx-k8s desired=abc',
      '--timeout',
      '300s',
    ]);
    expect(argv.join(' ')).not.toContain('1,2');
    expect(argv).not.toContain('--wait');
    expect(upgradeArgv({ ...args, stdinValues: null }, 'c')).not.toContain('-');
  });
  it('sends the stdin values to helm, never in argv', async () => {
    const calls: Array<{ args: readonly string[]; input?: unknown }> = [];
    const helm = new Helm(async (_p, args, o) => (calls.push({ args, input: o?.input }), { exitCode: 0, stdout: '', stderr: '' }), 'ctx');
    await helm.upgrade({
      release: 'r',
      chart: 'c',
      namespace: 'n',
      valuesFiles: [],
      stdinValues: '{"s":"p$w,d"}',
      description: 'd',
      createNamespace: false,
      timeoutSeconds: 1,
    });
    expect(calls[0].input).toBe('{"s":"p$w,d"}');
    expect(calls[0].args.join(' ')).not.toContain('p$w');
  });
  it('fails loudly when helm history fails, instead of reading it as "no revision"', async () => {
    const helm = new Helm(async () => ({ exitCode: 1, stdout: '', stderr: 'Error: Kubernetes cluster unreachable' }), 'ctx');
    await expect(helm.history('r', 'n')).rejects.toThrow(/helm history r .*exited with 1: Error: Kubernetes cluster unreachable/);
  });
  it('reads a release manifest with helm get manifest in the release namespace and kube context', async () => {
    expect(getManifestArgv('todo-app', 'default', 'nx-k8s-local')).toEqual([
      'get',
      'manifest',
      'todo-app',
      '--namespace',
      'default',
      '--kube-context',
      'nx-k8s-local',
    ]);
    const calls: Array<{ program: string; args: readonly string[] }> = [];
    const stdout =
      '---\n# Source: a/templates/service.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: a\n---\n# Source: a/templates/empty.yaml\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: b }\n';
    const helm = new Helm(async (program, args) => (calls.push({ program, args }), { exitCode: 0, stdout, stderr: '' }), 'ctx');
    expect(await helm.manifest('r', 'n')).toEqual([
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } },
    ]);
    expect(calls).toEqual([{ program: 'helm', args: getManifestArgv('r', 'n', 'ctx') }]);
  });
  it('reads a missing release as null, and any other helm get manifest failure as one line', async () => {
    const failing = (stderr: string) => new Helm(async () => ({ exitCode: 1, stdout: '', stderr }), 'ctx');
    expect(await failing('Error: release: not found\n').manifest('r', 'n')).toBeNull();
    await expect(
      failing('Error: query: failed to query with labels: secrets is forbidden: User "dev" cannot list resource "secrets"\n').manifest('r', 'n'),
    ).rejects.toThrow(
      new Error(
        'helm get manifest r --namespace n: Error: query: failed to query with labels: secrets is forbidden: User "dev" cannot list resource "secrets". Fix: check that kube context ctx may read the release (helm list -n n), or give option forwards',
      ),
    );
    expect(() => parseManifest('kind: Service\nmetadata: [\n')).toThrow(/^helm get manifest printed a document that is not YAML \(.+\)\. Fix: /);
  });
  it('parses status and history', () => {
    const s = parseStatus(
      JSON.stringify({
        name: 'todo-app',
        namespace: 'default',
        version: 3,
        info: { status: 'pending-upgrade', description: 'Preparing upgrade' },
        manifest: '---\n# Source: x/templates/cm.yaml\nkind: ConfigMap\n',
      }),
    );
    expect(s).toEqual({
      name: 'todo-app',
      namespace: 'default',
      revision: 3,
      status: 'pending-upgrade',
      description: 'Preparing upgrade',
      manifest: '---\n# Source: x/templates/cm.yaml\nkind: ConfigMap\n',
    });
    expect(
      parseHistory(
        JSON.stringify([
          { revision: 1, status: 'superseded' },
          { revision: 2, status: 'failed' },
        ]),
      ),
    ).toEqual([
      { revision: 1, status: 'superseded' },
      { revision: 2, status: 'failed' },
    ]);
  });
});

describe('containerd', () => {
  it('spells refs as containerd stores them', () => {
    expect(normalizeRef('todo-frontend:nx-1')).toBe('docker.io/library/todo-frontend:nx-1');
    expect(normalizeRef('team/app:1')).toBe('docker.io/team/app:1');
    expect(normalizeRef('localhost:5000/app:1')).toBe('localhost:5000/app:1');
    expect(normalizeRef('registry.example.com/app:1')).toBe('registry.example.com/app:1');
  });
  it('always targets the k8s.io namespace of the given socket', () => {
    expect(ctrArgv('/run/c.sock', ['images', 'list', '--quiet'])).toEqual([
      'ctr',
      '--address',
      '/run/c.sock',
      '--namespace',
      'k8s.io',
      'images',
      'list',
      '--quiet',
    ]);
  });
});

describe('minikube and kind', () => {
  it('parses image ls json as minikube v1.38.1 (none driver, docker runtime) prints it: ids without sha256:, library names with docker.io/library/', () => {
    const images = parseImageList(readFileSync(join(__dirname, '__fixtures__', 'minikube-image-ls.stdout'), 'utf8'));
    expect(images).toContainEqual({
      id: 'sha256:089f4ae65cdd8a4477543b66b4f2955410b6f064da327cff01ee72ee4400a02a',
      repoTags: ['docker.io/library/todo-backend:nx-8ac56bf3522c8afe'],
    });
    expect(images).toContainEqual({
      id: 'sha256:b0ea95394c75628a93eed321941e950701c0e999339e28ab185279d81011e701',
      repoTags: ['nx-k8s.local/coredns/coredns:v1.12.1', 'nx-k8s.local/coredns:v1.12.1'],
    });
  });
  it('reads the node containers kind get nodes lists', () => {
    expect(parseNodes('dev-control-plane\ndev-worker\n')).toEqual(['dev-control-plane', 'dev-worker']);
    expect(parseNodes('')).toEqual([]);
  });
});

describe('kubectl', () => {
  it('reads the local port kubectl chose', () => {
    expect(parseForwardingLine('Forwarding from 127.0.0.1:3001 -> 3000')).toBe(3001);
    expect(parseForwardingLine('Handling connection for 3000')).toBeNull();
  });
});
