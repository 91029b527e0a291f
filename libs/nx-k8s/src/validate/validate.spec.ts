// The corpus (one broken chart or Dockerfile per rule, each with its exact lines) and the real
// chart, validated with the real helm and git. A missing helm fails these specs.
import { formatViolation, validateRelease, ValidationSpec } from '.';
import { lsFilesArgv } from '../adapters/git';
import { templateArgv } from '../adapters/helm';
import { CASES } from './__fixtures__/corpus';
import { helmOnPath, realTools, Workspace } from './__fixtures__/workspace';
import { RULE_IDS } from './violation';

helmOnPath();
jest.setTimeout(30_000);

describe('the tools', () => {
  it('render with helm template only: no cluster, no --validate, no kube context', () => {
    expect(templateArgv('todo-app', '/tmp/c', 'default', ['/w/values-dev.yaml'], null, { skipSchemaValidation: true })).toEqual([
      'template',
      'todo-app',
      '/tmp/c',
      '--namespace',
      'default',
      '--values',
      '/w/values-dev.yaml',
      '--skip-schema-validation',
    ]);
    expect(templateArgv('todo-app', '/tmp/c', 'default', [], '{"a":1}', { kubeVersion: 'v1.34.4' })).toEqual([
      'template',
      'todo-app',
      '/tmp/c',
      '--namespace',
      'default',
      '--values',
      '-',
      '--kube-version',
      'v1.34.4',
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
      expect(r.rendered).toEqual({ dev: 7, prod: 6 });
    } finally {
      ws.dispose();
    }
  });
});

describe('the corpus', () => {
  it('covers every rule', () => {
    const rules = new Set(CASES.map((c) => c.rule));
    expect(CASES.length).toBeGreaterThanOrEqual(20);
    // Every rule the validator knows (RULE_IDS, also what option rules accepts) has a case.
    for (const rule of RULE_IDS) {
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

describe('what validation leaves out or only warns about', () => {
  const TEST_HOOK = [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  name: "{{ .Release.Name }}-test-{{ randAlphaNum 5 | lower }}"',
    '  labels:',
    '    {{- include "frontend.selectorLabels" . | nindent 4 }}',
    '  annotations:',
    '    "helm.sh/hook": test',
    'spec:',
    '  restartPolicy: Never',
    '  containers:',
    '    - name: wget',
    '      image: busybox:1.36',
    '      command: ["wget", "-qO-", "http://todo-frontend:3000"]',
    '',
  ].join('\n');
  const VENDORED = 'charts/todo-app/charts/extra';
  function vendored(ws: Workspace) {
    // The umbrella's schema admits no unknown key: the subchart's values key is declared there.
    ws.edit('charts/todo-app/values.schema.json', '\n  "properties": {\n', '\n  "properties": {\n    "extra": { "type": "object" },\n');
    ws.write(`${VENDORED}/Chart.yaml`, 'apiVersion: v2\nname: extra\nversion: 1.0.0\n');
    ws.write(
      `${VENDORED}/templates/service.yaml`,
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: extra\nspec:\n  type: Headless\n  selector:\n    app: todo-frontend-nothing\n  ports:\n    - port: 80\n',
    );
  }
  async function validated(mutate: (ws: Workspace) => void, spec: (s: ValidationSpec) => ValidationSpec = (s) => s) {
    const ws = new Workspace();
    try {
      mutate(ws);
      await ws.track();
      const r = await validateRelease(spec(ws.spec()), realTools(ws.root));
      return { ...r, lines: r.violations.map((v) => formatViolation(v)), warningLines: r.warnings.map((v) => formatViolation(v)) };
    } finally {
      ws.dispose();
    }
  }

  it('skips helm test hooks: a test pod with the Service selector is not one of its pods', async () => {
    const r = await validated((ws) => ws.write('charts/frontend/templates/test-connection.yaml', TEST_HOOK));
    expect(r.lines).toEqual([]);
    expect(r.testHooks).toEqual(['Pod of charts/frontend/templates/test-connection.yaml']);
    expect(r.rendered).toEqual({ dev: 7, prod: 6 });
  });

  it('warns about violations inside a vendored subchart unless strictSubcharts', async () => {
    const r = await validated(vendored);
    expect(r.lines).toEqual([]);
    expect(r.warningLines).toEqual([
      `${VENDORED}/templates/service.yaml: Service/extra spec.selector: selector app=todo-frontend-nothing matches the pods of no workload in the release (workloads: Deployment/todo-backend, Deployment/todo-frontend) [service.selector-matches-pods] Fix: set spec.selector to the pod template labels of the workload it fronts (its Deployment's selector labels)`,
      `${VENDORED}/templates/service.yaml: Service/extra spec.type: type "Headless" is not a Service type [service.type] Fix: use one of ClusterIP, NodePort, LoadBalancer`,
    ]);
    const strict = await validated(vendored, (s) => ({ ...s, strictSubcharts: true }));
    expect(strict.lines).toEqual(r.warningLines);
  });

  it('leaves out a rule switched off, counting what it hid', async () => {
    const r = await validated(vendored, (s) => ({
      ...s,
      strictSubcharts: true,
      rulesOff: new Map([['service.selector-matches-pods', 'routes to pods of another release']]),
    }));
    expect(r.lines).toEqual([expect.stringContaining('[service.type]')]);
    expect(r.switchedOff).toEqual([{ rule: 'service.selector-matches-pods', reason: 'routes to pods of another release', hidden: 1 }]);
  });

  it('renders for the Kubernetes version it is given (--kube-version)', async () => {
    const constrained = (ws: Workspace) => ws.edit('charts/todo-app/Chart.yaml', 'type: application\n', 'type: application\nkubeVersion: ">=1.99.0-0"\n');
    expect((await validated(constrained, (s) => ({ ...s, kubeVersion: 'v1.99.0' }))).lines).toEqual([]);
    const old = await validated(constrained, (s) => ({ ...s, kubeVersion: 'v1.30.0' }));
    expect(old.lines).toEqual([
      expect.stringMatching(
        /^charts\/todo-app\/Chart\.yaml: Chart\/todo-app templates: helm template fails: .*kubeVersion.*v1\.30\.0.* \[chart\.templates-render\]/,
      ),
    ]);
  });
});
