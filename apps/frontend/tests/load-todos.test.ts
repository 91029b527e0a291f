import { loadTodos } from '../lib/backend';
import { closedUrl, FakeBackend } from './support/fake-backend';

const todo = { id: 1, title: 'Write tests', completed: true, created_at: '2026-01-01T00:00:00Z' };

describe('loadTodos (the list the page renders)', () => {
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

  it('returns the todos', async () => {
    backend.answer(() => ({ status: 200, body: [todo] }));
    expect(await loadTodos()).toEqual({ ok: true, todos: [todo] });
  });

  it('returns an empty list as a list', async () => {
    expect(await loadTodos()).toEqual({ ok: true, todos: [] });
  });

  it('says which address it could not reach', async () => {
    const url = await closedUrl();
    process.env.BACKEND_URL = url;
    expect(await loadTodos()).toEqual({ ok: false, message: `backend unreachable at ${url}` });
  });

  it('names the missing variable', async () => {
    delete process.env.BACKEND_URL;
    expect(await loadTodos()).toEqual({
      ok: false,
      message: 'BACKEND_URL is not set: point it at the todo backend, e.g. http://todo-backend:8000',
    });
  });

  it("reports the backend's error status and message", async () => {
    backend.answer(() => ({ status: 503, body: { error: 'database unavailable' } }));
    expect(await loadTodos()).toEqual({
      ok: false,
      message: `backend at ${backendUrl} answered 503: database unavailable`,
    });
  });

  it('rejects a body that is not a todo list', async () => {
    backend.answer(() => ({ status: 200, body: { todos: [todo] } }));
    expect(await loadTodos()).toEqual({
      ok: false,
      message: `backend at ${backendUrl} sent something that is not a todo list`,
    });
  });
});
