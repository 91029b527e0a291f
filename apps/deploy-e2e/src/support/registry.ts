// Debian's docker-registry on a free loopback port (Docker and containerd speak plain HTTP to
// loopback), for the registry e2e and the benches.
import execa from 'execa';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { waitFor } from './http';

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** Bytes of the files under path. */
export function du(path: string): number {
  const s = statSync(path, { throwIfNoEntry: false });
  if (!s) return 0;
  return s.isDirectory() ? readdirSync(path).reduce((n, e) => n + du(join(path, e)), 0) : s.isFile() ? s.size : 0;
}

export async function startRegistry() {
  const dir = mkdtempSync(join(tmpdir(), 'nx-k8s-registry-'));
  const host = `127.0.0.1:${await freePort()}`;
  // No access log, warnings only, and its output not piped: a pipe nobody reads fills up after
  // some hundred requests and the registry stops answering.
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: ${host}\n`,
  );
  const child = execa('docker-registry', ['serve', join(dir, 'config.yml')], { reject: false, stdio: 'ignore' });
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
  return {
    host,
    /** Bytes the registry stores (what pushes have added, layers compressed). */
    bytes: () => du(join(dir, 'data')),
    async stop() {
      child.kill('SIGTERM');
      await child;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
