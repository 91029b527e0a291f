import { createServer, Server } from 'net';
import { candidatePorts, choosePort, isFree } from './ports';

describe('local port choice', () => {
  it('prefers the wanted port, then the next ten, skipping ones already given out', () => {
    expect(candidatePorts(3000).slice(0, 3)).toEqual([3000, 3001, 3002]);
    expect(candidatePorts(3000, new Set([3000, 3001]))[0]).toBe(3002);
    expect(candidatePorts(3000)).toHaveLength(11);
  });

  it('moves to the next free port when the wanted one is busy (real sockets)', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as { port: number }).port;
    try {
      expect(await isFree(port)).toBe(false);
      const chosen = await choosePort(port);
      expect(chosen).not.toBe(port);
      expect(await isFree(chosen)).toBe(true);
    } finally {
      busy.close();
    }
  });

  it('falls back to a port the OS picks when all candidates are busy', async () => {
    const chosen = await choosePort(4000, new Set(), async () => false);
    expect(chosen).toBeGreaterThan(0);
  });
});
