import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitForForwards } from 'nx-k8s';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Todo } from '../lib/todo';
import { freePort, ServerProcess } from './support/processes';

// The real thing end to end: Debian's Chromium driving the page of either local servers
// (uvicorn serving apps/backend, the standalone server from `next build`) or, with
// TODO_E2E_RELEASE set (target e2e-deployed), the release deployed to the cluster, reached
// through its port-forward's URLs.
const RELEASE = process.env.TODO_E2E_RELEASE;
const FRONTEND_DIR = path.resolve(__dirname, '..');
const BACKEND_DIR = path.resolve(FRONTEND_DIR, '../backend');
const SERVER_JS = path.join(FRONTEND_DIR, '.next/standalone/apps/frontend/server.js');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('todo page against the real backend', () => {
  let tmpDir: string | undefined;
  let backend: ServerProcess | undefined;
  let frontend: ServerProcess | undefined;
  let browser: Browser | undefined;
  let backendUrl: string;
  let frontendUrl: string;

  async function backendTodos(): Promise<Todo[]> {
    const res = await fetch(`${backendUrl}/api/todos`);
    expect(res.status).toBe(200);
    return (await res.json()) as Todo[];
  }

  async function startLocalServers(): Promise<void> {
    if (!fs.existsSync(SERVER_JS)) {
      throw new Error(`${SERVER_JS} is missing: build first with \`npx nx run frontend:build\``);
    }
    try {
      await promisify(execFile)('bash', ['scripts/setup-venv.sh'], { cwd: BACKEND_DIR, maxBuffer: 16 << 20 });
    } catch (err) {
      const { stderr, message } = err as { stderr?: string; message: string };
      throw new Error(`backend venv setup (apps/backend/scripts/setup-venv.sh) failed: ${stderr?.trim() || message}`);
    }

    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontend-e2e-'));
    const backendEnv: NodeJS.ProcessEnv = {
      ...process.env,
      ENVIRONMENT: 'development',
      SQLITE_PATH: path.join(tmpDir, 'todos.db'),
    };
    // A DATABASE_URL from the caller's shell would point the test at a real database.
    delete backendEnv.DATABASE_URL;
    const backendPort = await freePort();
    backendUrl = `http://127.0.0.1:${backendPort}`;
    backend = new ServerProcess(
      'backend (uvicorn)',
      path.join(BACKEND_DIR, '.venv/bin/python'),
      ['-m', 'uvicorn', 'todo_api.main:app', '--host', '127.0.0.1', '--port', String(backendPort)],
      { cwd: BACKEND_DIR, env: backendEnv },
    );
    await backend.waitUntilServing(`${backendUrl}/health`, 60_000);

    const frontendPort = await freePort();
    frontendUrl = `http://127.0.0.1:${frontendPort}`;
    frontend = new ServerProcess('frontend (next standalone)', process.execPath, [SERVER_JS], {
      cwd: path.dirname(SERVER_JS),
      env: {
        ...process.env,
        NODE_ENV: 'production',
        NEXT_TELEMETRY_DISABLED: '1',
        HOSTNAME: '127.0.0.1',
        PORT: String(frontendPort),
        BACKEND_URL: backendUrl,
      },
    });
    await frontend.waitUntilServing(`${frontendUrl}/api/health`, 30_000);
  }

  beforeAll(async () => {
    if (RELEASE) {
      const { urls } = await waitForForwards(RELEASE);
      [frontendUrl, backendUrl] = [urls['todo-frontend'], urls['todo-backend']];
      if (!frontendUrl || !backendUrl) throw new Error(`release ${RELEASE} forwards ${Object.keys(urls).join(', ')}: no todo-frontend and todo-backend`);
    } else {
      await startLocalServers();
    }
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
    } catch (err) {
      throw new Error(
        `Chromium could not start from ${CHROMIUM} (install it: source tools/setup/lib.sh && apt_install chromium): ${(err as Error).message.split('\n')[0]}`,
      );
    }
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await frontend?.stop();
    await backend?.stop();
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  it('renders the list into the HTML on the server, from BACKEND_URL at request time', async () => {
    // A deployed release may hold todos already: the empty state shows exactly when there are none.
    const before = await (await fetch(frontendUrl)).text();
    expect(before.includes('data-testid="todos-empty"')).toBe((await backendTodos()).length === 0);

    const title = `Seeded through the backend API ${Date.now()}`;
    const created = await fetch(`${backendUrl}/api/todos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as Todo;

    const html = await (await fetch(frontendUrl)).text();
    expect(html).toContain(title);
    expect(html).not.toContain('data-testid="todos-empty"');

    const proxied = await fetch(`${frontendUrl}/api/todos`);
    expect(proxied.status).toBe(200);
    expect(await proxied.json()).toEqual(await backendTodos());
    expect((await fetch(`${backendUrl}/api/todos/${id}`, { method: 'DELETE' })).status).toBeLessThan(300);
  });

  it('adds, toggles and deletes a todo in the browser, and the backend has each change', async () => {
    const title = `Buy oat milk ${Date.now()}`;
    const page: Page = await browser!.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });

    await page.goto(frontendUrl);
    await page.getByLabel('New todo').fill(title);
    await page.getByRole('button', { name: 'Add' }).click();

    const item = page.getByTestId('todo-item').filter({ hasText: title });
    await item.waitFor();
    expect(await page.getByLabel('New todo').inputValue()).toBe('');
    const added = (await backendTodos()).find((todo) => todo.title === title);
    expect(added).toMatchObject({ title, completed: false });

    await item.getByRole('checkbox', { name: title }).click();
    await page.locator(`[data-testid="todo-item"][data-todo-id="${added!.id}"][data-completed="true"]`).waitFor();
    expect(await item.getByRole('checkbox', { name: title }).isChecked()).toBe(true);
    expect((await backendTodos()).find((todo) => todo.id === added!.id)).toMatchObject({ completed: true });

    await item.getByRole('button', { name: `Delete "${title}"` }).click();
    await item.waitFor({ state: 'detached' });
    expect((await backendTodos()).map((todo) => todo.id)).not.toContain(added!.id);

    expect(pageErrors).toEqual([]);
    await page.close();
  });
});
