// Local port choice: the wanted port when it is free, else the next free one of the ten
// after it, else one the OS picks.
import { createServer } from 'net';

export function isFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

function osPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Candidates in order of preference; pure, so the order is unit-tested. */
export function candidatePorts(wanted: number, taken: Set<number> = new Set()): number[] {
  const out: number[] = [];
  for (let p = wanted; p <= Math.min(wanted + 10, 65535); p++) if (!taken.has(p)) out.push(p);
  return out;
}

export async function choosePort(wanted: number, taken: Set<number> = new Set(), free = isFree): Promise<number> {
  for (const p of candidatePorts(wanted, taken)) if (await free(p)) return p;
  return osPort();
}
