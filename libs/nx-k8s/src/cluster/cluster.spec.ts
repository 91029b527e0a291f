import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse } from 'yaml';
import { detectCluster, registryHostFromHosting, UnknownClusterKindError } from './detect';
import { KubeconfigInvalidError, KubeContext, readKubeContext, resolveContext } from './kubeconfig';

const ctx = (name: string, providers: string[] = []): KubeContext => ({ name, cluster: name, server: 'https://127.0.0.1:6443', extensions: [], providers });

describe('detectCluster', () => {
  it('knows minikube by its kubeconfig extension or context name', () => {
    expect(detectCluster({ context: ctx('dev', ['minikube.sigs.k8s.io']) })).toEqual({ kind: 'minikube', profile: 'dev' });
    expect(detectCluster({ context: ctx('minikube') })).toEqual({ kind: 'minikube', profile: 'minikube' });
  });
  it('knows kind by the kind- prefix', () => {
    expect(detectCluster({ context: ctx('kind-todo') })).toEqual({ kind: 'kind', name: 'todo' });
  });
  it('knows the local cluster by context name and its published containerd socket', () => {
    expect(detectCluster({ context: ctx('nx-k8s-local'), containerdAddress: '/run/x.sock' })).toEqual({ kind: 'containerd', address: '/run/x.sock' });
  });
  it('leaves other contexts to KEP-1755 discovery', () => {
    expect(detectCluster({ context: ctx('prod-east') })).toBeNull();
    expect(detectCluster({ context: ctx('prod-east'), registryHost: 'localhost:5001' })).toEqual({ kind: 'registry', host: 'localhost:5001' });
  });
  it('lets an option force the kind', () => {
    expect(detectCluster({ forced: 'kind', context: ctx('kind-a') })).toEqual({ kind: 'kind', name: 'a' });
    expect(detectCluster({ forced: 'docker-desktop', context: ctx('minikube') })).toEqual({ kind: 'docker-desktop' });
  });
  it('refuses an unknown kind with the list of known ones', () => {
    expect(() => detectCluster({ forced: 'k3s', context: ctx('x') })).toThrow(UnknownClusterKindError);
    expect(() => detectCluster({ forced: 'k3s', context: ctx('x') })).toThrow(/unknown cluster kind 'k3s'.*auto, minikube, kind, containerd, registry, docker-desktop/);
  });
  it('asks for the socket when containerd is forced without one', () => {
    expect(() => detectCluster({ forced: 'containerd', context: ctx('x') })).toThrow(/containerdAddress/);
  });
  it('reads the push host from local-registry-hosting', () => {
    expect(registryHostFromHosting('host: "localhost:5001"\nhelp: "https://kind.sigs.k8s.io/docs/user/local-registry/"\n')).toBe('localhost:5001');
  });
});

describe('resolveContext', () => {
  // The shape minikube writes (extensions on the cluster and the context).
  const minikubeConfig = parse(`
apiVersion: v1
clusters:
- cluster:
    certificate-authority: /root/.minikube/ca.crt
    extensions:
    - extension:
        last-update: Thu, 26 Nov 2026 10:00:00 UTC
        provider: minikube.sigs.k8s.io
        version: v1.37.0
      name: cluster_info
    server: https://192.168.49.2:8443
  name: minikube
contexts:
- context:
    cluster: minikube
    extensions:
    - extension:
        provider: minikube.sigs.k8s.io
      name: context_info
    namespace: default
    user: minikube
  name: minikube
current-context: minikube
kind: Config
`);
  it('follows current-context to its cluster', () => {
    const c = resolveContext([minikubeConfig])!;
    expect(c).toMatchObject({ name: 'minikube', cluster: 'minikube', server: 'https://192.168.49.2:8443', namespace: 'default' });
    expect(c.providers).toContain('minikube.sigs.k8s.io');
  });
  it('merges several files as kubectl does: the first to set current-context wins', () => {
    const other = { 'current-context': 'kind-a', contexts: [{ name: 'kind-a', context: { cluster: 'kind-a' } }], clusters: [{ name: 'kind-a', cluster: { server: 'https://127.0.0.1:4000' } }] };
    expect(resolveContext([other, minikubeConfig])!.name).toBe('kind-a');
    expect(resolveContext([{}, minikubeConfig])!.name).toBe('minikube');
    expect(resolveContext([other, minikubeConfig], 'minikube')!.server).toBe('https://192.168.49.2:8443');
  });
  it('returns null when there is no such context', () => {
    expect(resolveContext([minikubeConfig], 'nope')).toBeNull();
    expect(resolveContext([])).toBeNull();
  });
});

describe('readKubeContext', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'nx-k8s-kubeconfig-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('names the kubeconfig that is not valid YAML, in one line', () => {
    const good = join(tmp, 'good.yaml');
    const bad = join(tmp, 'bad.yaml');
    writeFileSync(good, 'apiVersion: v1\nkind: Config\n');
    // A hand edit gone wrong: an unclosed flow sequence.
    writeFileSync(bad, 'apiVersion: v1\nclusters:\n- cluster:\n    server: https://127.0.0.1:6443\n  name: [minikube\ncurrent-context: minikube\n');
    const read = () => readKubeContext({ KUBECONFIG: `${good}:${bad}` });
    expect(read).toThrow(KubeconfigInvalidError);
    expect(read).toThrow(new RegExp(`^${bad} is not valid YAML \\(.*at line \\d+, column \\d+\\)\\. Fix: correct the kubeconfig, or point KUBECONFIG at a valid one`));
    expect(() => read()).toThrow(expect.objectContaining({ message: expect.not.stringContaining('\n') }));
  });
});
