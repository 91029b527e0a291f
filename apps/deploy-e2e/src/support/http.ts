// HTTP into the cluster through a real `kubectl port-forward` on a port the OS picks.
import execa from 'execa';

export async function viaForward<T>(kubeconfig: string, service: string, port: number, fn: (base: string) => Promise<T>): Promise<T> {
  const child = execa('kubectl', ['port-forward', '-n', 'default', `svc/${service}`, `0:${port}`], {
    env: { ...process.env, KUBECONFIG: kubeconfig, PATH: `/var/cache/nx-k8s/bin:${process.env.PATH}` },
    reject: false,
  });
  try {
    const local = await new Promise<number>((resolve, reject) => {
      let buf = '';
      child.stdout!.on('data', (b: Buffer) => {
        buf += b.toString();
        const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(buf);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', () => reject(new Error(`kubectl port-forward svc/${service} exited: ${buf}`)));
    });
    return await fn(`http://127.0.0.1:${local}`);
  } finally {
    child.kill('SIGTERM');
    await child;
  }
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
