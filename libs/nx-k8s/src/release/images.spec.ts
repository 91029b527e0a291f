import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { chartValues, imageShape, imagesDeployedBy, repositoryOf, resolveImagePaths, valuesForImage } from './images';

/** A chart directory from file -> text. */
function chart(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'nx-k8s-images-'));
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return dir;
}

const projects = [
  { project: 'web', repository: 'todo-web' },
  { project: 'api', repository: 'todo-api' },
  { project: 'worker', repository: 'localhost:5000/todo-worker' },
];

const umbrella = () =>
  chart({
    'app/Chart.yaml':
      'apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n  - name: web\n    alias: front\n    version: 0.1.0\n    repository: file://../web\n',
    'app/values.yaml': 'image: todo-api:0.1.0\nfront: {}\n',
    'app/values-dev.yaml': 'sidecar:\n  image:\n    registry: localhost:5000\n    repository: todo-worker\n    tag: ""\n    digest: ""\n',
    'web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
    'web/values.yaml': 'image:\n  repository: todo-web\n  tag: "0.1.0"\nother:\n  image:\n    repository: nginx\n',
  });

const loaded = { repository: 'todo-web', tag: 'nx-1', ref: 'todo-web:nx-1' };

describe('image values of a chart', () => {
  it('tells the shapes apart: repository/tag, repository/digest, one reference string', () => {
    expect(imageShape({ repository: 'a', tag: '1' })).toEqual({ kind: 'repository-tag', registry: false });
    expect(imageShape({ repository: 'a', pullPolicy: 'IfNotPresent' })).toEqual({ kind: 'repository-tag', registry: false });
    expect(imageShape({ registry: 'docker.io', repository: 'a', tag: '', digest: '' })).toEqual({ kind: 'repository-digest', registry: true, tag: true });
    expect(imageShape({ repository: 'a', digest: '' })).toEqual({ kind: 'repository-digest', registry: false, tag: false });
    expect(imageShape('nginx:1.27')).toEqual({ kind: 'reference' });
    expect([imageShape(''), imageShape({ tag: '1' }), imageShape(3), imageShape({ image: { repository: 'a' } })]).toEqual([null, null, null, null]);
    expect(['r:5000/a/b:1@sha256:0', 'r:5000/a', 'a:1'].map(repositoryOf)).toEqual(['r:5000/a/b', 'r:5000/a', 'a']);
  });

  it('infers every `image` value an image project builds, subcharts under their alias, each configuration counted', () => {
    const dir = umbrella();
    expect(imagesDeployedBy(join(dir, 'app'), projects)).toEqual({ 'front.image': 'web', image: 'api', 'sidecar.image': 'worker' });
    // One configuration: only its values files.
    expect(imagesDeployedBy(join(dir, 'app'), projects, [])).toEqual({ 'front.image': 'web', image: 'api' });
  });

  it('merges values as helm does: subcharts first, later files win, null deletes', () => {
    const dir = umbrella();
    const extra = join(dir, 'extra.yaml');
    writeFileSync(extra, 'front:\n  image:\n    tag: x\n  other: null\n');
    expect(chartValues(join(dir, 'app'), [extra]).front).toEqual({ image: { repository: 'todo-web', tag: 'x' } });
  });
});

describe('explicit image paths', () => {
  const tree = () => chartValues(join(umbrella(), 'app'), []);
  const option = 'option images of app:helm-install';
  const where = 'chart charts/app';

  it('resolves the path of each image value', () => {
    expect(resolveImagePaths({ 'front.image': 'web', image: 'api' }, tree(), option, where)).toEqual([
      { path: 'front.image', project: 'web', shape: { kind: 'repository-tag', registry: false } },
      { path: 'image', project: 'api', shape: { kind: 'reference' } },
    ]);
  });

  it('refuses a path the values do not hold, naming the option, the path and the fix', () => {
    expect(() => resolveImagePaths({ 'front.imag': 'web' }, tree(), option, where)).toThrow(
      "option images of app:helm-install: front.imag is not a value of chart charts/app. Fix: name an image value the chart's values hold (image values there: front.image, front.other.image, image), or add front.imag to its values.yaml",
    );
  });

  it('refuses the old prefix form with the path it meant', () => {
    expect(() => resolveImagePaths({ front: 'web' }, tree(), option, where)).toThrow(
      'option images of app:helm-install: front in chart charts/app is not an image value (an object with repository and tag or digest, or one "repository:tag" string). Fix: name the image value itself: front.image, front.other.image',
    );
    expect(() => resolveImagePaths({ '': 'api' }, tree(), option, where)).toThrow(
      'option images of app:helm-install: the key "" names no value. Fix: name the image value itself: "image" for the chart\'s own image.repository/tag',
    );
  });
});

describe('what a loaded image sets', () => {
  const option = 'option images of app:helm-install';
  it('repository and tag', () => {
    expect(valuesForImage({ path: 'front.image', project: 'web', shape: { kind: 'repository-tag', registry: false } }, loaded, option)).toEqual({
      'front.image.repository': 'todo-web',
      'front.image.tag': 'nx-1',
    });
  });
  it('the whole reference for a string value', () => {
    expect(valuesForImage({ path: 'image', project: 'web', shape: { kind: 'reference' } }, loaded, option)).toEqual({ image: 'todo-web:nx-1' });
  });
  it('the digest when the load recorded one, else the tag and an empty digest', () => {
    const shape = { kind: 'repository-digest', registry: false, tag: true } as const;
    expect(valuesForImage({ path: 'image', project: 'web', shape }, { ...loaded, digest: 'sha256:ab' }, option)).toEqual({
      'image.repository': 'todo-web',
      'image.tag': 'nx-1',
      'image.digest': 'sha256:ab',
    });
    expect(valuesForImage({ path: 'image', project: 'web', shape }, loaded, option)).toEqual({
      'image.repository': 'todo-web',
      'image.tag': 'nx-1',
      'image.digest': '',
    });
    expect(() => valuesForImage({ path: 'image', project: 'web', shape: { ...shape, tag: false } }, loaded, option)).toThrow(
      'option images of app:helm-install: image takes the image by digest only and the loaded image todo-web:nx-1 of web has no recorded digest. Fix: name a value with a tag, or set the image with option set',
    );
  });
  it('splits the registry host into its own value, Docker Hub when the repository has none', () => {
    const shape = { kind: 'repository-tag', registry: true } as const;
    const pushed = { repository: 'localhost:5000/todo-web', tag: 'nx-1', ref: 'localhost:5000/todo-web:nx-1' };
    expect(valuesForImage({ path: 'image', project: 'web', shape }, pushed, option)).toEqual({
      'image.registry': 'localhost:5000',
      'image.repository': 'todo-web',
      'image.tag': 'nx-1',
    });
    expect(valuesForImage({ path: 'image', project: 'web', shape }, loaded, option)).toMatchObject({
      'image.registry': 'docker.io',
      'image.repository': 'todo-web',
    });
  });
});
