import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'fs';
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

  describe('images', () => {
    const imageProjects = [
      { project: 'frontend', repository: 'todo-frontend' },
      { project: 'backend', repository: 'todo-backend' },
    ];
    function loaded(root: string, project: string, image: object) {
      mkdirSync(join(root, 'dist/nx-k8s', project), { recursive: true });
      writeFileSync(join(root, 'dist/nx-k8s', project, 'cluster-image.json'), JSON.stringify(image));
    }
    function withLoadedImages() {
      const root = workspace();
      loaded(root, 'frontend', { repository: 'todo-frontend', tag: 'nx-f', ref: 'todo-frontend:nx-f' });
      loaded(root, 'backend', { repository: 'todo-backend', tag: 'nx-b', ref: 'todo-backend:nx-b' });
      return root;
    }

    it("are inferred at each subchart's image value and reach helm's standard input", () => {
      const root = withLoadedImages();
      const o = normalizeReleaseOptions({ valuesFiles: ['values-dev.yaml'] }, task, root, env(), imageProjects);
      expect(o.images).toEqual({
        'backend.image.repository': 'todo-backend',
        'backend.image.tag': 'nx-b',
        'frontend.image.repository': 'todo-frontend',
        'frontend.image.tag': 'nx-f',
      });
      expect(JSON.parse(stdinValues(o)!)).toEqual({
        backend: { image: { repository: 'todo-backend', tag: 'nx-b' } },
        frontend: { image: { repository: 'todo-frontend', tag: 'nx-f' } },
      });
    });

    it('take an explicit path of an image value, of any shape the values show', () => {
      const root = withLoadedImages();
      writeFileSync(join(root, 'charts/todo-app/values-dev.yaml'), 'job:\n  image: busybox:1.36\n', { flag: 'a' });
      const o = normalizeReleaseOptions(
        { valuesFiles: ['values-dev.yaml'], images: { 'frontend.image': 'frontend', 'job.image': 'backend' } },
        task,
        root,
        env(),
        [],
      );
      expect(o.images).toEqual({ 'frontend.image.repository': 'todo-frontend', 'frontend.image.tag': 'nx-f', 'job.image': 'todo-backend:nx-b' });
    });

    it('refuse a path the configuration does not have in one line', () => {
      const root = withLoadedImages();
      expect(() => normalizeReleaseOptions({ valuesFiles: ['values-dev.yaml'], images: { frontend: 'frontend' } }, task, root, env(), [])).toThrow(
        'option images of todo-app:helm-install: frontend in chart charts/todo-app (its values, its file:// subcharts\', values-dev.yaml) is not an image value (an object with repository and tag or digest, or one "repository:tag" string). Fix: name the image value itself: frontend.image',
      );
      expect(() => normalizeReleaseOptions({ images: { 'worker.image': 'backend' } }, task, root, env(), [])).toThrow(
        /^option images of todo-app:helm-install: worker\.image is not a value of chart charts\/todo-app \(its values, its file:\/\/ subcharts'\)\. Fix: .*\(image values there: backend\.image, frontend\.image\)/,
      );
    });
  });
});
