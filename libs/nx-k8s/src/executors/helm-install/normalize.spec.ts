import { cpSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { normalizeReleaseOptions, stdinValues } from './normalize';

const charts = resolve(__dirname, '../../../../../charts');

function workspace() {
  const root = mkdtempSync(join(tmpdir(), 'nx-k8s-ws-'));
  for (const c of ['todo-app', 'frontend', 'backend']) cpSync(join(charts, c), join(root, 'charts', c), { recursive: true });
  return root;
}

const task = { project: 'todo-app', projectRoot: 'charts/todo-app', target: 'helm-install', configuration: 'dev' };
const env = () => ({ NX_K8S_STATE_DIR: mkdtempSync(join(tmpdir(), 'nx-k8s-state-')) });

describe('helm-install options', () => {
  it('keeps an absolute values file as it is and resolves a relative one against the chart', () => {
    const root = workspace();
    const outside = join(mkdtempSync(join(tmpdir(), 'nx-k8s-values-')), 'local.yaml');
    writeFileSync(outside, 'replicaCount: 1\n');
    const o = normalizeReleaseOptions({ valuesFiles: ['values-dev.yaml', outside] }, task, root, env(), []);
    expect(o.valuesFiles).toEqual([join(root, 'charts/todo-app/values-dev.yaml'), outside]);
  });
  it('names a missing values file relative to the workspace', () => {
    const root = workspace();
    expect(() => normalizeReleaseOptions({ valuesFiles: ['values-nope.yaml'] }, task, root, env(), [])).toThrow(
      'values file charts/todo-app/values-nope.yaml does not exist (option valuesFiles of todo-app:helm-install). Fix: create it or remove it from the configuration',
    );
  });
  it('sends set, images and secrets as one literal document, secrets last', () => {
    const root = workspace();
    writeFileSync(join(root, '.env'), 'GROQ_API_KEY="k$1,2 #3"\n');
    const o = normalizeReleaseOptions(
      { set: { 'frontend.replicaCount': 2, 'global.config.FRONTEND_URL': 'http://a,b' }, secrets: { GROQ_API_KEY: 'global.secrets.GROQ_API_KEY' } },
      task,
      root,
      env(),
      [],
    );
    expect(JSON.parse(stdinValues(o)!)).toEqual({
      frontend: { replicaCount: 2 },
      global: { config: { FRONTEND_URL: 'http://a,b' }, secrets: { GROQ_API_KEY: 'k$1,2 #3' } },
    });
    expect(o.secretsDigest).not.toContain('k$1');
    expect(stdinValues(normalizeReleaseOptions({}, task, root, env(), []))).toBeNull();
  });
});
