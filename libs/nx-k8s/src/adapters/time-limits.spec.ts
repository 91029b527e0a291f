// Every call a hasher makes (Docker, minikube, ctr, kubectl) has a time limit and says what
// to suspect when it passes: a wedged daemon must not freeze an nx run before any output.
// run.spec.ts shows with a real process that the limit becomes that one line.
import { Containerd } from './containerd';
import { Docker } from './docker';
import { Kubectl } from './kubectl';
import { Minikube } from './minikube';
import { RunOptions, Runner } from './run';

function recording(stdout = '[]'): { runner: Runner; calls: Array<{ argv: string[]; options?: RunOptions }> } {
  const calls: Array<{ argv: string[]; options?: RunOptions }> = [];
  const runner: Runner = async (program, args, options) => {
    calls.push({ argv: [program, ...args], options });
    return { exitCode: 0, stdout, stderr: '' };
  };
  return { runner, calls };
}

describe('time limits of the calls hashers make', () => {
  it('docker: version, builder detection, image inspect and tag', async () => {
    const { runner, calls } = recording('[]');
    const docker = new Docker(runner);
    await docker.serverVersion();
    await docker.detectBuilder();
    await docker.inspect('nx-k8s-base/python:3.11');
    await docker.tag('a:1', 'b:1');
    expect(calls.length).toBeGreaterThanOrEqual(4);
    for (const c of calls) {
      expect({ argv: c.argv, timeout: c.options?.timeout }).toEqual({ argv: c.argv, timeout: 30_000 });
      expect(c.options?.stalled).toBe('is the Docker daemon wedged? Fix: restart it (systemctl restart docker, or restart Docker Desktop)');
    }
  });

  it('minikube: image ls', async () => {
    const { runner, calls } = recording('[]');
    await new Minikube(runner, 'dev').images();
    expect(calls[0].options).toMatchObject({
      timeout: 60_000,
      stalled: expect.stringMatching(/minikube node of profile 'dev'.*Fix: minikube -p dev stop, then minikube -p dev start/),
    });
  });

  it('ctr: images list and tag', async () => {
    const { runner, calls } = recording('REF TYPE DIGEST SIZE PLATFORMS LABELS\n');
    const node = new Containerd(runner, '/run/limits.sock');
    await node.images();
    await node.tag('sha256:a', 'docker.io/library/a:1');
    expect(calls.map((c) => c.options)).toEqual([
      { timeout: 30_000, stalled: expect.stringMatching(/^is containerd at \/run\/limits.sock wedged or stopped\? Fix: restart containerd on the node/) },
      { timeout: 30_000, stalled: expect.stringMatching(/^is containerd at \/run\/limits.sock wedged or stopped\?/) },
    ]);
  });

  it('kubectl: the cluster identity and registry discovery', async () => {
    const { runner, calls } = recording('{"metadata":{"uid":"u"}}');
    const kubectl = new Kubectl(runner, 'dev');
    await kubectl.clusterId();
    await kubectl.localRegistryHosting();
    for (const c of calls) expect(c.options).toMatchObject({ timeout: 30_000, stalled: expect.stringMatching(/API server of kube context 'dev'.*Fix: /) });
  });
});
