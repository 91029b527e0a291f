// The corpus (one broken chart or Dockerfile per rule, each with its exact lines) and the real
// chart, validated with the real helm and git. A missing helm fails these specs.
import { formatViolation, validateRelease } from '.';
import { lsFilesArgv } from '../adapters/git';
import { templateArgv } from '../adapters/helm';
import { CASES } from './__fixtures__/corpus';
import { helmOnPath, realTools, Workspace } from './__fixtures__/workspace';

helmOnPath();
jest.setTimeout(30_000);

describe('the tools', () => {
  it('render with helm template only: no cluster, no --validate, no kube context', () => {
    expect(templateArgv('todo-app', '/tmp/c', 'default', ['/w/values-dev.yaml'], {}, { skipSchemaValidation: true })).toEqual([
      'template',
      'todo-app',
      '/tmp/c',
      '--namespace',
      'default',
      '--values',
      '/w/values-dev.yaml',
      '--skip-schema-validation',
    ]);
    expect(lsFilesArgv(['charts/todo-app'])).toEqual(['ls-files', '-z', '--', 'charts/todo-app']);
  });
});

describe('the real chart', () => {
  it('passes for dev and prod, rendering every manifest', async () => {
    const ws = new Workspace();
    try {
      await ws.track();
      const r = await validateRelease(ws.spec(), realTools(ws.root));
      expect(r.violations.map((v) => formatViolation(v))).toEqual([]);
      expect(r.rendered).toEqual({ dev: 6, prod: 6 });
    } finally {
      ws.dispose();
    }
  });
});

describe('the corpus', () => {
  it('covers every rule', () => {
    const rules = new Set(CASES.map((c) => c.rule));
    expect(CASES.length).toBeGreaterThanOrEqual(20);
    for (const rule of [
      'image.repository-name',
      'image.tag-not-latest',
      'image.tag-format',
      'image.dockerfile-exists',
      'chart.yaml-valid',
      'chart.required-fields',
      'chart.version-semver',
      'chart.templates-render',
      'chart.values-schema',
      'chart.file-dependencies-exist',
      'chart.lock-matches',
      'deployment.replicas-non-negative',
      'deployment.requests-within-limits',
      'deployment.probe-handler',
      'deployment.container-ports-unique',
      'deployment.selector-matches-template',
      'service.type',
      'service.port-range',
      'service.port-names-unique',
      'service.target-port-exists',
      'service.selector-matches-pods',
      'configmap.key-name',
      'configmap.size',
      'configmap.utf8',
      'secret.key-name',
      'secret.size',
      'secret.base64',
      'secret.not-committed',
      'pod.has-containers',
      'pod.volume-mounts-declared',
      'pod.config-references-exist',
    ] as const) {
      expect(rules).toContain(rule);
    }
  });

  it.each(CASES.map((c) => [`${c.rule}: ${c.name}`, c] as const))('%s', async (_, c) => {
    const ws = new Workspace();
    try {
      c.mutate(ws);
      await ws.track();
      const spec = c.spec ? c.spec(ws.spec()) : ws.spec();
      const r = await validateRelease(spec, realTools(ws.root));
      expect(r.violations.map((v) => formatViolation(v, Object.keys(spec.configurations)))).toEqual(c.expected);
    } finally {
      ws.dispose();
    }
  });
});
