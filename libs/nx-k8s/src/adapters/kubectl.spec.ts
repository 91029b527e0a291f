// kubectl failures read from its stderr, as kubectl 1.34 prints them.
import { ClusterCertificateError, ClusterUnreachableError, classifyFailure, Kubectl, parseServerVersion } from './kubectl';
import { Runner } from './run';

const failing =
  (stderr: string): Runner =>
  async () => ({ exitCode: 1, stdout: '', stderr });

describe('kubectl failures', () => {
  const unknownAuthority =
    'E1201 10:00:00.000000   123 memcache.go:265] "Unhandled Error" err="couldn\'t get current server API group list: Get \\"https://127.0.0.1:6443/api?timeout=32s\\": tls: failed to verify certificate: x509: certificate signed by unknown authority"\nUnable to connect to the server: tls: failed to verify certificate: x509: certificate signed by unknown authority\n';
  const expired =
    'Unable to connect to the server: x509: certificate has expired or is not yet valid: current time 2027-01-01T00:00:00Z is after 2026-12-01T00:00:00Z\n';

  it('tells an untrusted certificate from a cluster that does not answer', () => {
    expect(classifyFailure(unknownAuthority)).toEqual({
      kind: 'certificate',
      reason: 'tls: failed to verify certificate: x509: certificate signed by unknown authority',
    });
    expect(classifyFailure(expired)).toEqual({
      kind: 'certificate',
      reason: 'x509: certificate has expired or is not yet valid: current time 2027-01-01T00:00:00Z is after 2026-12-01T00:00:00Z',
    });
    expect(classifyFailure('The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?')).toEqual({
      kind: 'unreachable',
    });
    expect(classifyFailure('Error from server (NotFound): namespaces "kube-system" not found')).toEqual({ kind: 'other' });
  });

  it('says the kubeconfig needs refreshing, in one line, for a certificate kubectl does not trust', async () => {
    const call = new Kubectl(failing(expired), 'nx-k8s-local').clusterId();
    await expect(call).rejects.toThrow(ClusterCertificateError);
    await expect(call).rejects.toThrow(
      "the cluster of kube context 'nx-k8s-local' answers with a certificate kubectl does not trust (x509: certificate has expired or is not yet valid: current time 2027-01-01T00:00:00Z is after 2026-12-01T00:00:00Z). Fix: refresh the kubeconfig for this cluster (minikube update-context, kind export kubeconfig, or your cluster's own command)",
    );
    await expect(new Kubectl(failing(unknownAuthority), 'dev').localRegistryHosting()).rejects.toThrow(ClusterCertificateError);
  });

  it('still says when the cluster does not answer', async () => {
    await expect(new Kubectl(failing('The connection to the server 127.0.0.1:6443 was refused'), 'dev').clusterId()).rejects.toThrow(ClusterUnreachableError);
  });
});

describe('kubectl version', () => {
  const stdout = JSON.stringify({ clientVersion: { gitVersion: 'v1.34.4' }, serverVersion: { gitVersion: 'v1.33.1+k3s1' } });
  it("reads the server's version with a short time limit, on the named context", async () => {
    const calls: Array<{ args: readonly string[]; timeout?: number }> = [];
    const answering: Runner = async (_p, args, o) => {
      calls.push({ args, timeout: o?.timeout });
      return { exitCode: 0, stdout, stderr: '' };
    };
    await expect(new Kubectl(answering, 'dev').serverVersion(5_000)).resolves.toBe('v1.33.1+k3s1');
    expect(calls).toEqual([{ args: ['--context', 'dev', 'version', '-o', 'json', '--request-timeout=4s'], timeout: 5_000 }]);
  });
  it('is null when no server answers, kubectl hangs or is missing', async () => {
    const clientOnly = JSON.stringify({ clientVersion: { gitVersion: 'v1.34.4' } });
    await expect(new Kubectl(async () => ({ exitCode: 1, stdout: clientOnly, stderr: 'connection refused' }), 'dev').serverVersion()).resolves.toBeNull();
    await expect(
      new Kubectl(async () => {
        throw new Error('kubectl version did not answer within 5 s');
      }, 'dev').serverVersion(),
    ).resolves.toBeNull();
    expect(parseServerVersion('not json')).toBeNull();
  });
});
