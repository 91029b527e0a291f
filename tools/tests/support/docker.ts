// Docker CLI helpers for the image tests: containers on a throwaway network, published on
// 127.0.0.1 ports Docker picks (free by construction), and their logs for failure messages.
import { lastLines, run, runOk } from './workspace';

export const docker = (args: string[], timeout = 120_000) => runOk('docker', args, { timeout });

export async function imageId(ref: string): Promise<string> {
  return (await docker(['image', 'inspect', '--format', '{{.Id}}', ref])).stdout.trim();
}

export async function imageUser(ref: string): Promise<string> {
  return (await docker(['image', 'inspect', '--format', '{{.Config.User}}', ref])).stdout.trim();
}

/** The 127.0.0.1 address Docker published a container port on. */
export async function publishedAddress(container: string, port: number): Promise<string> {
  const out = (await docker(['port', container, `${port}/tcp`])).stdout.trim().split('\n');
  const address = out.find((l) => l.startsWith('127.0.0.1:'));
  if (!address) throw new Error(`container ${container} publishes ${port}/tcp on ${out.join(', ') || 'nothing'}, not on 127.0.0.1`);
  return address;
}

/** State and the last log lines of a container: what a failure message needs. */
export async function diagnostics(container: string): Promise<string> {
  const state = await run('docker', ['inspect', '--format', '{{.State.Status}} (exit code {{.State.ExitCode}}, OOM killed {{.State.OOMKilled}})', container]);
  const logs = await run('docker', ['logs', '--tail', '60', container]);
  return `--- container ${container}: ${state.stdout.trim() || state.stderr.trim()}\n${lastLines(logs.stdout + logs.stderr, 60) || '(no log output)'}`;
}

/** Runs fn; when it throws, the error carries the containers' state and logs. */
export async function withLogs<T>(containers: string[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const err = e as Error;
    const details = (await Promise.all(containers.map(diagnostics))).join('\n');
    err.message = `${err.message}\n${details}`;
    throw err;
  }
}

export async function removeQuietly(kind: 'container' | 'network', name: string): Promise<void> {
  await run('docker', kind === 'container' ? ['rm', '--force', '--volumes', name] : ['network', 'rm', name], { timeout: 60_000 });
}
