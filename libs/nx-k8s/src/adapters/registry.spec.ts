// The registry adapter against real HTTP servers: the request it makes, and one line when the
// registry does not answer.
import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import { Registry } from './registry';

describe('Registry.has', () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));
  async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('asks HEAD /v2/<repository>/manifests/<tag>', async () => {
    const seen: string[] = [];
    const host = await serve((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.statusCode = req.url === '/v2/todo-backend/manifests/nx-1' ? 200 : 404;
      res.end();
    });
    expect(await new Registry(host).has('todo-backend', 'nx-1')).toBe(true);
    expect(await new Registry(host).has('todo-backend', 'nx-2')).toBe(false);
    expect(seen).toEqual(['HEAD /v2/todo-backend/manifests/nx-1', 'HEAD /v2/todo-backend/manifests/nx-2']);
  });

  it('gives up with one line when the registry accepts the connection but never answers', async () => {
    const host = await serve(() => undefined);
    const started = Date.now();
    await expect(new Registry(host).has('todo-backend', 'nx-1', 300)).rejects.toThrow(
      new RegExp(`^registry ${host} did not answer HEAD /v2/todo-backend/manifests/nx-1 within 0.3 s: is it running and reachable from this machine\\? Fix: `),
    );
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('says so when nothing listens', async () => {
    const host = await serve(() => undefined);
    servers.pop()!.close();
    await expect(new Registry(host).has('todo-backend', 'nx-1')).rejects.toThrow(new RegExp(`^registry ${host} does not answer \\(ECONNREFUSED\\)\\. Fix: `));
  });
});
