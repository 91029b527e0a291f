// The port-forward executor as Nx runs it, against a stand-in kubectl on PATH (a node script
// that answers the cluster identity query and, for port-forward, either fails as kubectl does
// for a missing Service or listens on the local port it was given like a real tunnel), and a
// stand-in helm that prints the todo app's captured manifest for release todo-app.
import { ExecutorContext, logger } from '@nx/devkit';
import { execFileSync } from 'child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { readForwards, waitForForwards } from '../../forward';
import portForward from './port-forward.impl';
import { PortForwardExecutorSchema } from './schema';

const tmp = mkdtempSync(join(tmpdir(), 'nx-k8s-port-forward-'));
const bin = join(tmp, 'bin');
const modeFile = join(tmp, 'mode');
const pidsFile = join(tmp, 'pids');
const helmCalls = join(tmp, 'helm-calls');
const manifest = join(__dirname, '..', '..', 'forward', '__fixtures__', 'todo-app-dev.manifest.yaml');
const saved = { PATH: process.env.PATH, KUBECONFIG: process.env.KUBECONFIG };

beforeAll(() => {
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'kubectl'),
    `#!${process.execPath}
const fs = require('fs');
const args = process.argv.slice(2);
if (args.includes('get')) { console.log(JSON.stringify({ metadata: { uid: 'uid-1' } })); process.exit(0); }
fs.appendFileSync(${JSON.stringify(pidsFile)}, process.pid + '\\n');
const mode = fs.readFileSync(${JSON.stringify(modeFile)}, 'utf8').trim();
const service = args.find((a) => a.startsWith('svc/')).slice(4);
if (mode === 'missing') { console.error('Error from server (NotFound): services "' + service + '" not found'); process.exit(1); }
const [local, remote] = args[args.length - 1].split(':');
require('http').createServer((req, res) => { res.statusCode = mode === 'unhealthy' ? 503 : 200; res.end(); })
  .listen(Number(local), '127.0.0.1', () => console.log('Forwarding from 127.0.0.1:' + local + ' -> ' + remote));
`,
  );
  chmodSync(join(bin, 'kubectl'), 0o755);
  writeFileSync(
    join(bin, 'helm'),
    `#!${process.execPath}
const fs = require('fs');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(helmCalls)}, JSON.stringify(args) + '\\n');
if (args[2] !== 'todo-app') { console.error('Error: release: not found'); process.exit(1); }
process.stdout.write(fs.readFileSync(${JSON.stringify(manifest)}, 'utf8'));
`,
  );
  chmodSync(join(bin, 'helm'), 0o755);
  const kubeconfig = join(tmp, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    'apiVersion: v1\nkind: Config\ncurrent-context: fake\ncontexts:\n- name: fake\n  context: { cluster: fake }\nclusters:\n- name: fake\n  cluster: { server: "https://127.0.0.1:1" }\n',
  );
  process.env.PATH = `${bin}:${process.env.PATH}`;
  process.env.KUBECONFIG = kubeconfig;
});
afterAll(() => {
  process.env.PATH = saved.PATH;
  if (saved.KUBECONFIG === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = saved.KUBECONFIG;
  rmSync(tmp, { recursive: true, force: true });
});

const context = { projectName: 'todo-app', targetName: 'port-forward', root: tmp, cwd: tmp, isVerbose: false } as unknown as ExecutorContext;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function kubectlsAlive(): number[] {
  const pids = readFileSync(pidsFile, 'utf8').split('\n').filter(Boolean).map(Number);
  return pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
}

async function start(mode: string, options: Partial<PortForwardExecutorSchema>) {
  writeFileSync(modeFile, mode);
  writeFileSync(pidsFile, '');
  const errors: string[] = [];
  const spy = jest.spyOn(logger, 'error').mockImplementation((m) => void errors.push(String(m)));
  jest.spyOn(logger, 'info').mockImplementation(() => undefined);
  const port = await freePort();
  const gen = portForward({ forwards: [{ service: 'todo-x', port, healthPath: '/api/health' }], ...options }, context);
  const started = Date.now();
  const first = await gen.next();
  return { gen, first, errors, seconds: (Date.now() - started) / 1000, restore: () => spy.mockRestore() };
}

afterEach(() => jest.restoreAllMocks());

/** The executor without option forwards, in a workspace whose helm-install target names the release. */
async function discover(options: Partial<PortForwardExecutorSchema>) {
  writeFileSync(modeFile, 'healthy');
  writeFileSync(pidsFile, '');
  writeFileSync(helmCalls, '');
  const errors: string[] = [];
  const info: string[] = [];
  jest.spyOn(logger, 'error').mockImplementation((m) => void errors.push(String(m)));
  jest.spyOn(logger, 'info').mockImplementation((m) => void info.push(String(m)));
  // A renamed release target (plugin option releaseTargetName) is found by its executor.
  const projects = {
    'todo-app': { root: 'charts/todo-app', targets: { release: { executor: 'nx-k8s:helm-install', options: { release: 'todo-app', namespace: 'apps' } } } },
  };
  const gen = portForward(options, { ...context, projectsConfigurations: { version: 2, projects } } as ExecutorContext);
  const first = await gen.next();
  const helm = readFileSync(helmCalls, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  return { gen, first, errors, info, helm };
}

describe('port-forward executor', () => {
  it('fails with one line when the Service does not exist (readyTimeout bounds the start)', async () => {
    // The stand-in kubectl is a node process: on a loaded machine its start alone can take a
    // second or two, and an attempt cut short before it prints would hide kubectl's error.
    const r = await start('missing', { readyTimeout: 6 });
    expect(r.first.value).toEqual({ success: false });
    expect(r.seconds).toBeLessThan(10);
    expect(r.errors).toEqual([
      expect.stringMatching(
        /^nx-k8s todo-app:port-forward: svc\/todo-x: kubectl port-forward keeps failing \(Error from server \(NotFound\): services "todo-x" not found\) after \d+ attempts in [1-6] s\. Fix: deploy the release/,
      ),
    ]);
    expect((await r.gen.next()).done).toBe(true);
    expect(kubectlsAlive()).toEqual([]);
  }, 20_000);

  it('fails with one line when the health path never answers within readyTimeout', async () => {
    const r = await start('unhealthy', { readyTimeout: 1 });
    expect(r.first.value).toEqual({ success: false });
    expect(r.errors).toEqual([
      expect.stringMatching(
        /^nx-k8s todo-app:port-forward: svc\/todo-x: http:\/\/127\.0\.0\.1:\d+\/api\/health did not answer below HTTP 400 within 1 s \(last: HTTP 503\)\. Fix: /,
      ),
    ]);
    await new Promise((res) => setTimeout(res, 200));
    expect(kubectlsAlive()).toEqual([]);
  }, 15_000);

  it('yields success once the health path answers, and leaves no kubectl when Nx closes it', async () => {
    const r = await start('healthy', {});
    expect(r.first.value).toEqual({ success: true });
    expect(r.errors).toEqual([]);
    expect(kubectlsAlive()).toHaveLength(1);
    await r.gen.return(undefined);
    await new Promise((res) => setTimeout(res, 200));
    expect(kubectlsAlive()).toEqual([]);
  }, 15_000);

  it("without forwards, forwards the Services of helm-install's release, checked on their readiness paths", async () => {
    const r = await discover({});
    expect(r.errors).toEqual([]);
    expect(r.first.value).toEqual({ success: true });
    expect(r.helm).toEqual([['get', 'manifest', 'todo-app', '--namespace', 'apps', '--kube-context', 'fake']]);
    expect(r.info).toContain(
      '[todo-app] forwards of release todo-app (no option forwards): svc/todo-backend:8000 (readiness /health), svc/todo-frontend:3000 (readiness /api/health)',
    );
    expect(r.info).toContainEqual(
      expect.stringMatching(/^\[todo-app\] ready: http:\/\/127\.0\.0\.1:\d+ -> svc\/todo-frontend:3000 \(\/api\/health answers\)$/),
    );
    expect(kubectlsAlive()).toHaveLength(2);
    // The forwards record tells a dependent task where they serve, while they serve.
    const record = await waitForForwards('todo-app', { root: tmp, timeoutMs: 1000 });
    expect(record).toMatchObject({ project: 'todo-app', release: 'todo-app', namespace: 'apps', context: 'fake', pid: process.pid });
    expect(Object.keys(record.urls).sort()).toEqual(['todo-backend', 'todo-frontend']);
    expect((await fetch(`${record.urls['todo-frontend']}/api/health`)).status).toBe(200);
    await r.gen.return(undefined);
    await new Promise((res) => setTimeout(res, 200));
    expect(kubectlsAlive()).toEqual([]);
    expect(readForwards(tmp, 'todo-app')).toBeNull();
    expect(existsSync(join(tmp, 'dist/nx-k8s/todo-app/forwards.json'))).toBe(false);
  }, 15_000);

  it('ignores a forwards record whose process is gone, and waits with one line on what to do', async () => {
    const file = join(tmp, 'dist/nx-k8s/todo-app/forwards.json');
    mkdirSync(join(tmp, 'dist/nx-k8s/todo-app'), { recursive: true });
    const gone = execFileSync(process.execPath, ['-p', 'process.pid'], { encoding: 'utf8' }).trim();
    writeFileSync(file, JSON.stringify({ project: 'todo-app', pid: Number(gone), urls: { 'todo-frontend': 'http://127.0.0.1:1' } }));
    expect(readForwards(tmp, 'todo-app')).toBeNull();
    await expect(waitForForwards('todo-app', { root: tmp, timeoutMs: 300 })).rejects.toThrow(
      'no forward of todo-app became ready within 0.3 s (dist/nx-k8s/todo-app/forwards.json was not written). Fix: run this target through Nx with dependsOn todo-app:port-forward',
    );
    rmSync(file);
  });

  it('without forwards, fails with one line when the release is not installed', async () => {
    const r = await discover({ release: 'todo-gone', namespace: 'apps' });
    expect(r.first.value).toEqual({ success: false });
    expect(r.helm).toEqual([['get', 'manifest', 'todo-gone', '--namespace', 'apps', '--kube-context', 'fake']]);
    expect(r.errors).toEqual([
      'nx-k8s todo-app:port-forward: release todo-gone is not installed in namespace apps (kube context fake; helm get manifest: release: not found), so there is nothing to forward. ' +
        'Fix: deploy it (nx run todo-app:helm-install), or set options release and namespace of todo-app:port-forward to an installed release (helm list -A)',
    ]);
    expect((await r.gen.next()).done).toBe(true);
    expect(kubectlsAlive()).toEqual([]);
  });

  it('refuses a readyTimeout that is not a positive number of seconds', async () => {
    const r = await start('healthy', { readyTimeout: 0 });
    expect(r.first.value).toEqual({ success: false });
    expect(r.errors).toEqual([
      'nx-k8s todo-app:port-forward: readyTimeout 0 (option of todo-app:port-forward) is not a positive number of seconds. Fix: set it to e.g. 120',
    ]);
  });
});
