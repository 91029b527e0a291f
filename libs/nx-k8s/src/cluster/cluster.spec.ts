import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse } from 'yaml';
import { Runner } from '../adapters/run';
import { resolveCluster } from '.';
import { detectCluster, registryHostFromHosting, UnknownClusterKindError } from './detect';
import { apiAccess, ContainerdExtensionError, KubeconfigFieldError, KubeconfigInvalidError, KubeContext, readKubeContext, resolveContext } from './kubeconfig';

const ctx = (name: string, providers: string[] = [], containerd?: KubeContext['containerd']): KubeContext => ({
  name,
  cluster: name,
  server: 'https://127.0.0.1:6443',
  extensions: [],
  providers,
  containerd,
});
const files = (...docs: unknown[]) => docs.map((doc, i) => ({ path: `/home/u/.kube/config-${i}`, doc }));
const bad = new ContainerdExtensionError('/home/u/.kube/config', 'c', undefined);

describe('detectCluster', () => {
  it('knows minikube by its kubeconfig extension or context name', () => {
    expect(detectCluster({ context: ctx('dev', ['minikube.sigs.k8s.io']) })).toEqual({ kind: 'minikube', profile: 'dev' });
    expect(detectCluster({ context: ctx('minikube') })).toEqual({ kind: 'minikube', profile: 'minikube' });
  });
  it('knows kind by the kind- prefix', () => {
    expect(detectCluster({ context: ctx('kind-todo') })).toEqual({ kind: 'kind', name: 'todo' });
  });
  it("imports into the containerd socket the cluster's kubeconfig extension names, whatever the context is called", () => {
    expect(detectCluster({ context: ctx('lab', [], { address: '/run/x.sock' }) })).toEqual({ kind: 'containerd', address: '/run/x.sock' });
    expect(detectCluster({ forced: 'containerd', context: ctx('lab', [], { address: '/run/x.sock' }) })).toEqual({
      kind: 'containerd',
      address: '/run/x.sock',
    });
  });
  it('lets option containerdAddress win over the extension, also over a malformed one', () => {
    expect(detectCluster({ context: ctx('lab', [], { address: '/run/x.sock' }), containerdAddress: '/run/opt.sock' })).toEqual({
      kind: 'containerd',
      address: '/run/opt.sock',
    });
    expect(detectCluster({ context: ctx('lab', [], { invalid: bad }), containerdAddress: '/run/opt.sock' })).toEqual({
      kind: 'containerd',
      address: '/run/opt.sock',
    });
    expect(detectCluster({ context: ctx('lab'), containerdAddress: '/run/opt.sock' })).toEqual({ kind: 'containerd', address: '/run/opt.sock' });
  });
  it('says what is wrong with a malformed extension when it decides the route, and not when another route is chosen', () => {
    expect(() => detectCluster({ context: ctx('lab', [], { invalid: bad }) })).toThrow(bad);
    expect(() => detectCluster({ forced: 'containerd', context: ctx('lab', [], { invalid: bad }) })).toThrow(bad);
    expect(detectCluster({ forced: 'kind', context: ctx('kind-a', [], { invalid: bad }) })).toEqual({ kind: 'kind', name: 'a' });
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
    expect(() => detectCluster({ forced: 'k3s', context: ctx('x') })).toThrow(
      /unknown cluster kind 'k3s'.*auto, minikube, kind, containerd, registry, docker-desktop/,
    );
  });
  it('asks for the socket when containerd is forced without one', () => {
    expect(() => detectCluster({ forced: 'containerd', context: ctx('x') })).toThrow(
      "cluster kind containerd needs the node's containerd socket. Fix: set option containerdAddress (e.g. /run/containerd/containerd.sock), or give the cluster the nx-k8s.io/containerd extension in its kubeconfig",
    );
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
    const c = resolveContext(files(minikubeConfig))!;
    expect(c).toMatchObject({ name: 'minikube', cluster: 'minikube', server: 'https://192.168.49.2:8443', namespace: 'default' });
    expect(c.providers).toContain('minikube.sigs.k8s.io');
    expect(c.containerd).toBeUndefined();
  });
  it('merges several files as kubectl does: the first to set current-context wins', () => {
    const other = {
      'current-context': 'kind-a',
      contexts: [{ name: 'kind-a', context: { cluster: 'kind-a' } }],
      clusters: [{ name: 'kind-a', cluster: { server: 'https://127.0.0.1:4000' } }],
    };
    expect(resolveContext(files(other, minikubeConfig))!.name).toBe('kind-a');
    expect(resolveContext(files({}, minikubeConfig))!.name).toBe('minikube');
    expect(resolveContext(files(other, minikubeConfig), 'minikube')!.server).toBe('https://192.168.49.2:8443');
  });
  it('returns null when there is no such context', () => {
    expect(resolveContext(files(minikubeConfig), 'nope')).toBeNull();
    expect(resolveContext([])).toBeNull();
  });

  // Any cluster's kubeconfig can say where its images go (the embedded cluster's writes this).
  const withExtension = (extension: unknown, extensions: unknown = [{ name: 'nx-k8s.io/containerd', extension }]) => ({
    'current-context': 'lab',
    contexts: [{ name: 'lab', context: { cluster: 'lab-cluster', user: 'admin' } }],
    clusters: [{ name: 'lab-cluster', cluster: { server: 'https://127.0.0.1:6443', extensions } }],
  });
  it("reads the nx-k8s.io/containerd extension of the context's cluster", () => {
    expect(resolveContext(files(withExtension({ address: '/run/lab/containerd.sock' })))!.containerd).toEqual({ address: '/run/lab/containerd.sock' });
    expect(resolveContext(files(withExtension(undefined, [{ name: 'other', extension: { address: '/x' } }])))!.containerd).toBeUndefined();
  });
  it.each([
    ['no address', {}, 'nothing'],
    ['no extension object', undefined, 'nothing'],
    ['a relative path', { address: 'run/containerd.sock' }, '"run/containerd.sock"'],
    ['a number', { address: 42 }, '42'],
  ])('names the file and the field of an extension with %s, in one line', (_, extension, got) => {
    const c = resolveContext(files({}, withExtension(extension)))!;
    expect(c.containerd).toEqual({ invalid: expect.any(ContainerdExtensionError) });
    expect((c.containerd as { invalid: Error }).invalid.message).toBe(
      `/home/u/.kube/config-1: extension nx-k8s.io/containerd of cluster 'lab-cluster' has ${got} in field extension.address, not the absolute path of a containerd socket. Fix: set extension.address to the socket images are imported into (e.g. /run/containerd/containerd.sock), or remove the extension`,
    );
  });
  it('refuses extensions that are not a list, naming the file, as kubectl would', () => {
    expect(() => resolveContext(files(withExtension(undefined, { 'nx-k8s.io/containerd': { address: '/run/x.sock' } })))).toThrow(KubeconfigFieldError);
    expect(() => resolveContext(files(withExtension(undefined, { 'nx-k8s.io/containerd': { address: '/run/x.sock' } })))).toThrow(
      "/home/u/.kube/config-0: extensions of cluster 'lab-cluster' is not a list. Fix: write it as a list of entries (- name: <name>, extension: {...}), as kubectl expects",
    );
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
    expect(read).toThrow(
      new RegExp(`^${bad} is not valid YAML \\(.*at line \\d+, column \\d+\\)\\. Fix: correct the kubeconfig, or point KUBECONFIG at a valid one`),
    );
    expect(() => read()).toThrow(expect.objectContaining({ message: expect.not.stringContaining('\n') }));
  });
});

describe('apiAccess', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'nx-k8s-api-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const kubeconfig = (file: string, user: object, cluster: object = {}) => {
    writeFileSync(
      join(tmp, file),
      JSON.stringify({
        'current-context': 'c',
        contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
        clusters: [{ name: 'k', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': b64('CA'), ...cluster } }],
        users: [{ name: 'u', user }],
      }),
    );
    return { KUBECONFIG: join(tmp, file) };
  };

  it('takes client certificates inline or from files relative to the kubeconfig, and tokens', () => {
    writeFileSync(join(tmp, 'u.crt'), 'CERT');
    writeFileSync(join(tmp, 'u.key'), 'KEY');
    const inline = apiAccess(kubeconfig('a', { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') }), 'c');
    const files = apiAccess(kubeconfig('b', { 'client-certificate': 'u.crt', 'client-key': 'u.key' }), 'c');
    for (const a of [inline, files]) {
      expect(a).toMatchObject({ server: 'https://127.0.0.1:6443', insecure: false });
      expect([a?.ca?.toString(), a?.cert?.toString(), a?.key?.toString()]).toEqual(['CA', 'CERT', 'KEY']);
    }
    expect(apiAccess(kubeconfig('t', { token: 'T' }), 'c')?.token).toBe('T');
  });

  it('leaves to kubectl what it does differently: exec and auth plugins, basic auth, impersonation, proxies, plain HTTP', () => {
    expect(apiAccess(kubeconfig('e', { exec: { command: 'aws' } }), 'c')).toBeNull();
    expect(apiAccess(kubeconfig('p', { 'auth-provider': { name: 'oidc' } }), 'c')).toBeNull();
    expect(apiAccess(kubeconfig('w', { username: 'a', password: 'b' }), 'c')).toBeNull();
    expect(apiAccess(kubeconfig('i', { token: 'T', as: 'admin' }), 'c')).toBeNull();
    expect(apiAccess(kubeconfig('x', { token: 'T' }, { 'proxy-url': 'http://proxy:3128' }), 'c')).toBeNull();
    expect(apiAccess(kubeconfig('h', { token: 'T' }, { server: 'http://127.0.0.1:8080' }), 'c')).toBeNull();
    const remote = kubeconfig('r', { token: 'T' }, { server: 'https://10.0.0.1:6443' });
    expect(apiAccess({ ...remote, HTTPS_PROXY: 'http://proxy:3128' }, 'c')).toBeNull();
    expect(apiAccess({ ...kubeconfig('l', { token: 'T' }), HTTPS_PROXY: 'http://proxy:3128' }, 'c')).not.toBeNull();
    expect(apiAccess(kubeconfig('n', { token: 'T' }), 'other')).toBeNull();
  });
});

describe('resolveCluster', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'nx-k8s-route-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  // The extension decides without asking the cluster (no KEP-1755 lookup).
  const noKubectl: Runner = async (program, args) => {
    throw new Error(`unexpected ${program} ${args.join(' ')}`);
  };
  const kubeconfig = (name: string, cluster: string) => {
    const file = join(tmp, name);
    writeFileSync(
      file,
      `apiVersion: v1\nkind: Config\ncurrent-context: lab\ncontexts:\n- name: lab\n  context: {cluster: lab, user: u}\nclusters:\n- name: lab\n  cluster:\n${cluster}`,
    );
    return file;
  };

  const hosting =
    (yaml: string | null): Runner =>
    async (_program, args) =>
      args.includes('local-registry-hosting') && yaml !== null
        ? { exitCode: 0, stdout: yaml, stderr: '' }
        : { exitCode: 1, stdout: '', stderr: 'Error from server (NotFound): configmaps "local-registry-hosting" not found' };

  it('routes images to the socket the kubeconfig names, and to the option when it is set (without asking the cluster)', async () => {
    const file = kubeconfig(
      'with.yaml',
      '    server: https://127.0.0.1:6443\n    extensions:\n    - name: nx-k8s.io/containerd\n      extension:\n        address: /run/lab/containerd.sock\n',
    );
    expect((await resolveCluster({}, { KUBECONFIG: file }, hosting(null))).target).toEqual({ kind: 'containerd', address: '/run/lab/containerd.sock' });
    expect((await resolveCluster({ containerdAddress: '/run/opt.sock' }, { KUBECONFIG: file }, noKubectl)).target).toEqual({
      kind: 'containerd',
      address: '/run/opt.sock',
    });
    expect((await resolveCluster({ cluster: 'containerd' }, { KUBECONFIG: file }, noKubectl)).target.kind).toBe('containerd');
  });
  it('pushes to the registry a cluster advertises (KEP-1755) rather than by a route the kubeconfig implies; a named route wins', async () => {
    const file = kubeconfig(
      'advertised.yaml',
      '    server: https://127.0.0.1:6443\n    extensions:\n    - name: nx-k8s.io/containerd\n      extension:\n        address: /run/lab/containerd.sock\n',
    );
    const advertised = hosting('host: "127.0.0.1:5001"\nhelp: "local-cluster registry"');
    expect((await resolveCluster({}, { KUBECONFIG: file }, advertised)).target).toEqual({ kind: 'registry', host: '127.0.0.1:5001' });
    expect((await resolveCluster({ cluster: 'auto' }, { KUBECONFIG: file }, advertised)).target).toEqual({ kind: 'registry', host: '127.0.0.1:5001' });
    expect((await resolveCluster({ cluster: 'containerd' }, { KUBECONFIG: file }, advertised)).target.kind).toBe('containerd');
    expect((await resolveCluster({ cluster: 'registry', registry: 'reg.lan:5000' }, { KUBECONFIG: file }, noKubectl)).target).toEqual({
      kind: 'registry',
      host: 'reg.lan:5000',
    });
  });
  it("fails with the extension's one line when its address is unusable", async () => {
    const file = kubeconfig(
      'bad.yaml',
      '    server: https://127.0.0.1:6443\n    extensions:\n    - name: nx-k8s.io/containerd\n      extension:\n        socket: /run/lab/containerd.sock\n',
    );
    await expect(resolveCluster({}, { KUBECONFIG: file }, noKubectl)).rejects.toThrow(
      new RegExp(`^${file}: extension nx-k8s\\.io/containerd of cluster 'lab' has nothing in field extension\\.address, .* Fix: [^\\n]*$`),
    );
  });
  it('without the extension, asks the cluster for KEP-1755 and names the ways out', async () => {
    const file = kubeconfig('without.yaml', '    server: https://127.0.0.1:6443\n');
    const asked: string[] = [];
    const kubectl: Runner = async (program, args) => {
      asked.push(`${program} ${args.join(' ')}`);
      return { exitCode: 1, stdout: '', stderr: 'Error from server (NotFound): configmaps "local-registry-hosting" not found' };
    };
    await expect(resolveCluster({}, { KUBECONFIG: file }, kubectl)).rejects.toThrow(
      /^cannot tell how to get images into kube context 'lab' \(not minikube, kind or docker-desktop, no nx-k8s\.io\/containerd extension on its cluster in the kubeconfig, and no kube-public\/local-registry-hosting ConfigMap\)\. Fix: /,
    );
    expect(asked).toEqual([expect.stringContaining('local-registry-hosting')]);
  });
});
