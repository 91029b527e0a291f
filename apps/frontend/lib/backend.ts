import { isTodo, type Todo } from './todo';

export class BackendConfigError extends Error {}

// Read on every call, never inlined by the build: one image serves every environment.
export function backendUrl(): string {
  const raw = process.env.BACKEND_URL?.trim();
  if (!raw) {
    throw new BackendConfigError(
      'BACKEND_URL is not set: point it at the todo backend, e.g. http://todo-backend:8000',
    );
  }
  if (!isHttpUrl(raw)) {
    throw new BackendConfigError(
      'BACKEND_URL must be an absolute http(s) URL, e.g. http://todo-backend:8000',
    );
  }
  return raw.replace(/\/+$/, '');
}

function isHttpUrl(raw: string): boolean {
  try {
    const { protocol } = new URL(raw);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

function jsonError(status: number, error: string): Response {
  return Response.json({ error }, { status });
}

/**
 * Forwards `request` to `${BACKEND_URL}${path}` and hands back the backend's
 * status and JSON body unchanged; only transport failures are answered here.
 */
export async function proxy(request: Request, path: string): Promise<Response> {
  let base: string;
  try {
    base = backendUrl();
  } catch (err) {
    if (err instanceof BackendConfigError) return jsonError(500, err.message);
    throw err;
  }

  const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.text();
  let upstream: Response;
  try {
    upstream = await fetch(`${base}${path}`, {
      method: request.method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body || undefined,
      cache: 'no-store',
    });
  } catch (err) {
    console.error(`proxy ${request.method} ${path}: backend unreachable at ${base}: ${describe(err)}`);
    return jsonError(502, `backend unreachable at ${base}`);
  }

  // 204/304 must not carry a body, and the Response constructor enforces it.
  if (upstream.status === 204 || upstream.status === 304) {
    return new Response(null, { status: upstream.status });
  }
  return new Response(await upstream.text(), {
    status: upstream.status,
    headers: { 'content-type': upstream.headers.get('content-type') ?? 'application/json' },
  });
}

export type TodoLoad = { ok: true; todos: Todo[] } | { ok: false; message: string };

/** The list the page renders; every failure becomes a message for the reader. */
export async function loadTodos(): Promise<TodoLoad> {
  let base: string;
  try {
    base = backendUrl();
  } catch (err) {
    if (err instanceof BackendConfigError) return { ok: false, message: err.message };
    throw err;
  }

  let res: Response;
  try {
    res = await fetch(`${base}/api/todos`, { cache: 'no-store', headers: { accept: 'application/json' } });
  } catch (err) {
    console.error(`page: GET /api/todos: backend unreachable at ${base}: ${describe(err)}`);
    return { ok: false, message: `backend unreachable at ${base}` };
  }
  const payload: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const detail = errorText(payload) ?? res.statusText;
    return { ok: false, message: `backend at ${base} answered ${res.status}${detail ? `: ${detail}` : ''}` };
  }
  if (!Array.isArray(payload) || !payload.every(isTodo)) {
    return { ok: false, message: `backend at ${base} sent something that is not a todo list` };
  }
  return { ok: true, todos: payload };
}

function errorText(payload: unknown): string | undefined {
  if (typeof payload === 'object' && payload !== null && 'error' in payload) {
    const { error } = payload as { error: unknown };
    if (typeof error === 'string') return error;
  }
  return undefined;
}

// Node's fetch hides the useful part (ECONNREFUSED, ENOTFOUND) in `cause`.
function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause as { code?: string; message?: string } | undefined;
    return cause?.code ?? cause?.message ?? err.message;
  }
  return String(err);
}
