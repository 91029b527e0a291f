// HTTP against the published container ports, with a deadline instead of fixed sleeps.

export interface Response {
  status: number;
  body: string;
}

export async function get(url: string, init: RequestInit = {}, timeoutMs = 10_000): Promise<Response> {
  const r = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  return { status: r.status, body: await r.text() };
}

export async function postJson(url: string, value: unknown): Promise<Response> {
  return get(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
}

/** Polls url until it answers 200 or the deadline passes; then throws with the last answer. */
export async function waitFor200(url: string, seconds: number): Promise<Response> {
  const deadline = Date.now() + seconds * 1000;
  let last: string;
  for (;;) {
    try {
      // Short attempts: until the app listens, docker-proxy accepts the connection and the
      // request can hang rather than fail.
      const r = await get(url, {}, 2_000);
      if (r.status === 200) return r;
      last = `HTTP ${r.status}: ${r.body.slice(0, 300)}`;
    } catch (e) {
      last = `${(e as Error).message}${(e as { cause?: Error }).cause ? ` (${(e as { cause?: Error }).cause!.message})` : ''}`;
    }
    if (Date.now() > deadline) throw new Error(`GET ${url} did not answer 200 within ${seconds} s; last: ${last}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
