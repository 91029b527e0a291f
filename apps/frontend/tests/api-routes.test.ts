import { GET as health } from '../app/api/health/route';
import { DELETE, PATCH } from '../app/api/todos/[id]/route';
import { GET, POST } from '../app/api/todos/route';
import { closedUrl, FakeBackend } from './support/fake-backend';

const todo = { id: 7, title: 'Water the plants', completed: false, created_at: '2026-01-01T00:00:00Z' };

function request(method: string, path: string, body?: unknown): Request {
  return new Request(`http://frontend.test${path}`, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

function params(id: string) {
  return { params: Promise.resolve({ id }) };
}

describe('API route handlers', () => {
  const backend = new FakeBackend();
  let backendUrl: string;
  const savedEnv = process.env.BACKEND_URL;

  beforeAll(async () => {
    backendUrl = await backend.start();
  });
  afterAll(async () => {
    await backend.stop();
  });
  beforeEach(() => {
    backend.reset();
    process.env.BACKEND_URL = backendUrl;
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    if (savedEnv === undefined) delete process.env.BACKEND_URL;
    else process.env.BACKEND_URL = savedEnv;
  });

  it('GET /api/health answers ok without asking the backend', async () => {
    delete process.env.BACKEND_URL;
    const res = health();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(backend.requests).toHaveLength(0);
  });

  it('GET /api/todos passes the backend status and body through', async () => {
    backend.answer(() => ({ status: 200, body: [todo] }));
    const res = await GET(request('GET', '/api/todos'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toEqual([todo]);
    expect(backend.requests).toEqual([expect.objectContaining({ method: 'GET', url: '/api/todos', body: '' })]);
  });

  it('POST /api/todos forwards the JSON body and the 201', async () => {
    backend.answer(() => ({ status: 201, body: todo }));
    const res = await POST(request('POST', '/api/todos', { title: 'Water the plants' }));
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual(todo);
    expect(backend.requests).toEqual([
      { method: 'POST', url: '/api/todos', contentType: 'application/json', body: '{"title":"Water the plants"}' },
    ]);
  });

  it('PATCH /api/todos/:id forwards to the same id', async () => {
    backend.answer(() => ({ status: 200, body: { ...todo, completed: true } }));
    const res = await PATCH(request('PATCH', '/api/todos/7', { completed: true }), params('7'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ...todo, completed: true });
    expect(backend.requests).toEqual([
      { method: 'PATCH', url: '/api/todos/7', contentType: 'application/json', body: '{"completed":true}' },
    ]);
  });

  it('DELETE /api/todos/:id passes a bodiless 204 through', async () => {
    backend.answer(() => ({ status: 204 }));
    const res = await DELETE(request('DELETE', '/api/todos/7'), params('7'));
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(backend.requests).toEqual([expect.objectContaining({ method: 'DELETE', url: '/api/todos/7' })]);
  });

  it("passes the backend's 4xx error body through unchanged", async () => {
    backend.answer(() => ({ status: 404, body: { error: 'todo 9 not found' } }));
    const res = await PATCH(request('PATCH', '/api/todos/9', { completed: true }), params('9'));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'todo 9 not found' });
  });

  it('encodes the id so it cannot climb to another backend path', async () => {
    backend.answer(() => ({ status: 404, body: { error: 'not found' } }));
    await DELETE(request('DELETE', '/api/todos/x'), params('../../health'));
    expect(backend.requests[0]?.url).toBe('/api/todos/..%2F..%2Fhealth');
  });

  it('reads BACKEND_URL on every request, not once', async () => {
    const other = new FakeBackend();
    const otherUrl = await other.start();
    try {
      other.answer(() => ({ status: 200, body: [] }));
      process.env.BACKEND_URL = `${otherUrl}/`;
      await GET(request('GET', '/api/todos'));
      expect(other.requests.map((r) => r.url)).toEqual(['/api/todos']);
      expect(backend.requests).toHaveLength(0);
    } finally {
      await other.stop();
    }
  });

  it('answers 502 naming the address when the backend is unreachable', async () => {
    const url = await closedUrl();
    process.env.BACKEND_URL = url;
    const res = await GET(request('GET', '/api/todos'));
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ error: `backend unreachable at ${url}` });
  });

  it('answers 500 naming the variable when BACKEND_URL is missing', async () => {
    delete process.env.BACKEND_URL;
    const res = await POST(request('POST', '/api/todos', { title: 'x' }));
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: 'BACKEND_URL is not set: point it at the todo backend, e.g. http://todo-backend:8000',
    });
  });

  it('answers 500 when BACKEND_URL is not an http(s) URL', async () => {
    process.env.BACKEND_URL = 'todo-backend:8000';
    const res = await GET(request('GET', '/api/todos'));
    expect(res.status).toBe(500);
    expect((await res.json()).error).toMatch(/^BACKEND_URL must be an absolute http\(s\) URL/);
  });
});
