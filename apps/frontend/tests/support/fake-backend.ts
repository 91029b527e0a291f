import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  contentType: string | undefined;
  body: string;
}

export interface Reply {
  status: number;
  body?: unknown;
}

/** A real HTTP server on 127.0.0.1 standing in for the backend process. */
export class FakeBackend {
  readonly requests: RecordedRequest[] = [];
  private reply: (req: RecordedRequest) => Reply = () => ({ status: 200, body: [] });
  private readonly server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        contentType: req.headers['content-type'],
        body,
      };
      this.requests.push(recorded);
      const { status, body: replyBody } = this.reply(recorded);
      if (replyBody === undefined) {
        res.writeHead(status).end();
      } else {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(replyBody));
      }
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  answer(reply: (req: RecordedRequest) => Reply): void {
    this.reply = reply;
  }

  reset(): void {
    this.requests.length = 0;
    this.reply = () => ({ status: 200, body: [] });
  }

  stop(): Promise<void> {
    return new Promise((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }
}

/** A URL on which nothing listens: the port was free a moment ago. */
export async function closedUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
