// The pure parts: quantities, the line format and merging, Dockerfile parsing, the chart and lock
// checks, selectors and values attribution. Data in, violations out.
import { parse } from 'yaml';
import { ChartSource, Manifest, parseRendered, selects } from '../manifests';
import { compareQuantities, parseQuantity } from '../quantity';
import { whoHolds, whoSets } from '../values';
import { formatViolation, mergeViolations, Violation } from '../violation';
import { chartLockRules, chartYamlRules, lockDigest, satisfies } from './chart';
import { configMapRules, isBase64, keyProblem, secretRules } from './config';
import { deploymentRules } from './deployment';
import { baseImages, dockerfileRules, expand, instructions } from './dockerfile';
import { parseImageRef } from './image';
import { podRules } from './pod';
import { renderErrorRule, schemaRules } from './render';
import { committedSecretRules } from './secret-committed';
import { serviceRules } from './service';

const q = (s: string | number) => parseQuantity(s)!;
const manifest = (yaml: string, file = 'charts/x/templates/x.yaml'): Manifest => {
  const doc = parse(yaml);
  return { kind: doc.kind, name: doc.metadata.name, file, chart: '', doc };
};
const rules = (vs: Violation[]) => vs.map((v) => `${v.rule} ${v.field}`);

describe('quantities', () => {
  it.each([
    ['500m', '1', -1],
    ['1', '1000m', 0],
    ['512Mi', '1Gi', -1],
    ['1Gi', '1073741824', 0],
    ['1G', '1Gi', -1],
    ['1e3', '1k', 0],
    ['0.5', '500m', 0],
    ['2', 1.5, 1],
    ['100n', '1u', -1],
  ])('%s vs %s', (a, b, expected) => {
    expect(compareQuantities(q(a), q(b))).toBe(expected);
  });
  it('rejects what is not a quantity', () => {
    expect(parseQuantity('1 Gi')).toBeNull();
    expect(parseQuantity('lots')).toBeNull();
    expect(parseQuantity(null)).toBeNull();
  });
});

describe('violations', () => {
  const v: Violation = { file: 'f.yaml', resource: 'Deployment/a', field: 'spec.replicas', rule: 'deployment.replicas-non-negative', message: 'm', fix: 'x' };
  it('are one line with file, resource, field, message, rule and fix', () => {
    expect(formatViolation({ ...v, line: 3 })).toBe('f.yaml:3: Deployment/a spec.replicas: m [deployment.replicas-non-negative] Fix: x');
    expect(formatViolation({ ...v, configurations: ['prod'] }, ['dev', 'prod'])).toBe(
      'f.yaml: Deployment/a spec.replicas: m [deployment.replicas-non-negative in prod] Fix: x',
    );
    expect(formatViolation({ ...v, configurations: ['dev', 'prod'] }, ['dev', 'prod'])).not.toContain(' in ');
  });
  it('merge the same finding of several configurations, and a schema finding gives way to a specific rule', () => {
    const schema: Violation = { ...v, rule: 'chart.values-schema', message: 'schema' };
    const merged = mergeViolations([{ ...v, configurations: ['dev'] }, { ...v, configurations: ['prod'] }, schema, { ...schema, field: 'other' }]);
    expect(merged.map((m) => [m.rule, m.field, m.configurations])).toEqual([
      ['chart.values-schema', 'other', []],
      ['deployment.replicas-non-negative', 'spec.replicas', ['dev', 'prod']],
    ]);
  });
});

describe('Dockerfiles', () => {
  it('joins continuation lines and keeps the first line number', () => {
    expect(instructions('# c\nFROM a \\\n  AS b\n\nRUN x \\\n# inner comment\n  y\n')).toEqual([
      { line: 2, keyword: 'FROM', args: 'a  AS b' },
      { line: 5, keyword: 'RUN', args: 'x  y' },
    ]);
  });
  it('expands ARG defaults the way docker build does', () => {
    const args = new Map([
      ['A', { value: 'node:20', line: 1 }],
      ['E', { value: '', line: 2 }],
      ['U', { value: undefined, line: 3 }],
    ]);
    expect(expand('${A}', args).value).toBe('node:20');
    expect(expand('$A-slim', args).value).toBe('node:20-slim');
    expect(expand('${E:-node:18}', args).value).toBe('node:18');
    expect(expand('x${A:+-y}', args).value).toBe('x-y');
    expect(expand('node:${U}', args).unset).toEqual(['U']);
  });
  it('checks FROM images, not stage names or scratch, and blames the ARG that holds the image', () => {
    const text =
      'ARG BASE=node:20\nARG TAG\nFROM ${BASE} AS deps\nFROM deps AS build\nFROM scratch\nFROM --platform=linux/amd64 Alpine\nFROM python:${TAG}\nFROM redis@sha256:abc\n';
    expect(dockerfileRules('d/Dockerfile', text, 'x').map((v) => `${v.line} ${v.field} ${v.rule}`)).toEqual([
      '6 FROM image.repository-name',
      '6 FROM image.tag-not-latest',
      '7 FROM image.tag-not-latest',
    ]);
    expect(dockerfileRules('d/Dockerfile', 'ARG B=node:latest\nFROM $B\n', 'x').map((v) => `${v.line} ${v.field} ${v.rule}`)).toEqual([
      '1 ARG B image.tag-not-latest',
    ]);
  });
  it('parses image references with registry ports and digests', () => {
    expect(parseImageRef('localhost:5000/todo/frontend:1.2.3')).toEqual({ repository: 'localhost:5000/todo/frontend', tag: '1.2.3', digest: undefined });
    expect(parseImageRef('localhost:5000/todo')).toEqual({ repository: 'localhost:5000/todo', digest: undefined });
    expect(parseImageRef('redis@sha256:00')).toEqual({ repository: 'redis', digest: 'sha256:00' });
  });
});

describe('charts', () => {
  it('require apiVersion, name and a semantic version', () => {
    expect(rules(chartYamlRules('c/Chart.yaml', 'apiVersion: v2\nname: c\nversion: 1.2.3-rc.1+b5\n').violations)).toEqual([]);
    expect(rules(chartYamlRules('c/Chart.yaml', 'apiVersion: v3\nversion: 01.2.3\n').violations)).toEqual([
      'chart.required-fields name',
      'chart.required-fields apiVersion',
      'chart.version-semver version',
    ]);
    expect(rules(chartYamlRules('c/Chart.yaml', '- a\n').violations)).toEqual(['chart.yaml-valid (file)']);
  });
  it("compute Chart.lock's digest as helm does", () => {
    const deps = [
      { name: 'frontend', version: '0.1.0', repository: 'file://../frontend' },
      { name: 'backend', version: '0.1.0', repository: 'file://../backend' },
    ];
    // The digest helm 3.22 wrote into charts/todo-app/Chart.lock.
    expect(lockDigest(deps, deps)).toBe('sha256:69f355bdc4950489adc315c904c6ac40bcbdb63af34c453d7bf731ae490d8dc0');
    const lock = `dependencies:\n- name: frontend\n  repository: file://../frontend\n  version: 0.1.0\ndigest: ${lockDigest(deps.slice(0, 1), deps.slice(0, 1))}\n`;
    expect(chartLockRules('c', 'c', deps.slice(0, 1), lock, [])).toEqual([]);
    expect(rules(chartLockRules('c', 'c', deps, lock, []))).toEqual(['chart.lock-matches dependencies[backend]']);
    expect(rules(chartLockRules('c', 'c', deps, null, []))).toEqual(['chart.lock-matches (file)']);
  });
  it('match versions against helm constraints', () => {
    expect(satisfies('0.1.0', '0.1.0')).toBe(true);
    expect(satisfies('0.1.1', '0.1.0')).toBe(false);
    expect(satisfies('1.4.0', '^1.2.0')).toBe(true);
    expect(satisfies('2.0.0', '^1.2.0')).toBe(false);
    expect(satisfies('0.2.5', '~0.2')).toBe(true);
    expect(satisfies('0.3.0', '>=0.1.0, <0.3.0')).toBe(false);
    expect(satisfies('1.9.9', '1.x || 3.x')).toBe(true);
  });
});

const deployment = (spec: string) =>
  manifest(
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n    spec:\n${spec.replace(/^/gm, '      ')}`,
  );

describe('Deployment rules', () => {
  it('compare requests with limits after unit conversion', () => {
    const d = deployment('containers:\n- name: c\n  resources:\n    requests: {cpu: "1", memory: 512Mi}\n    limits: {cpu: 500m, memory: 1Gi}');
    expect(rules(deploymentRules([d]))).toEqual(['deployment.requests-within-limits spec.template.spec.containers[c].resources.requests.cpu']);
    expect(
      deploymentRules([deployment('containers:\n- name: c\n  resources:\n    requests: {cpu: 500m, memory: 1Gi}\n    limits: {cpu: 1, memory: 1024Mi}')]),
    ).toEqual([]);
  });
  it('accept probe ports by number or name, and only one handler', () => {
    const ok = deployment(
      'containers:\n- name: c\n  ports: [{name: http, containerPort: 80}]\n  livenessProbe: {httpGet: {path: /, port: 80}}\n  readinessProbe: {tcpSocket: {port: http}}\n  startupProbe: {exec: {command: [cat, /tmp/ready]}}',
    );
    expect(deploymentRules([ok])).toEqual([]);
    const bad = deployment(
      'containers:\n- name: c\n  ports: [{name: http, containerPort: 80}]\n  livenessProbe: {httpGet: {port: 81}, tcpSocket: {port: 80}}\n  readinessProbe: {tcpSocket: {port: web}}\n  startupProbe: {exec: {command: []}}',
    );
    expect(rules(deploymentRules([bad]))).toEqual([
      'deployment.probe-handler spec.template.spec.containers[c].livenessProbe',
      'deployment.probe-handler spec.template.spec.containers[c].readinessProbe.tcpSocket.port',
      'deployment.probe-handler spec.template.spec.containers[c].startupProbe.exec.command',
    ]);
  });
  it('find ports repeated across the containers of a pod', () => {
    const d = deployment(
      'containers:\n- name: a\n  ports: [{name: http, containerPort: 80}]\n- name: b\n  ports: [{name: http, containerPort: 81}, {containerPort: 80, protocol: UDP}]',
    );
    expect(rules(deploymentRules([d]))).toEqual(['deployment.container-ports-unique spec.template.spec.containers[b].ports[http]']);
  });
  it('evaluate matchExpressions', () => {
    expect(
      selects(
        {
          matchExpressions: [
            { key: 'tier', operator: 'In', values: ['web'] },
            { key: 'x', operator: 'DoesNotExist' },
          ],
        },
        { tier: 'web' },
      ),
    ).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] }, { tier: 'web' })).toBe(false);
  });
});

describe('Service, ConfigMap, Secret and Pod rules', () => {
  const d = deployment('containers:\n- name: c\n  image: a:1\n  ports: [{name: http, containerPort: 80}]');
  it('resolve targetPort by number or name on the selected pods', () => {
    const svc = (ports: string) => manifest(`apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  selector: {app: d}\n  ports: ${ports}`);
    expect(serviceRules([d, svc('[{name: a, port: 8080, targetPort: 80}, {name: b, port: 80}, {name: c, port: 81, targetPort: http}]')])).toEqual([]);
    expect(rules(serviceRules([d, svc('[{port: 0, targetPort: 90}]')]))).toEqual([
      'service.port-range spec.ports[0].port',
      'service.target-port-exists spec.ports[0].targetPort',
    ]);
  });
  it('check keys, sizes, UTF-8 and base64', () => {
    expect(keyProblem('DATABASE_URL')).toBeNull();
    expect(keyProblem('config.json')).toBeNull();
    expect(keyProblem('..data')).not.toBeNull();
    expect(isBase64('c2VjcmV0')).toBe(true);
    expect(isBase64('c2VjcmV0=')).toBe(false);
    const cm = manifest('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {A: "\uFFFD", B: true}');
    expect(rules(configMapRules([cm]))).toEqual(['configmap.utf8 data.A', 'configmap.utf8 data.B']);
    const s = manifest('apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {A: c2VjcmV0, B: "secret"}');
    expect(rules(secretRules([s]))).toEqual(['secret.base64 data.B']);
  });
  it('find ConfigMaps and Secrets the pods read, unless optional', () => {
    const p = deployment(
      'containers:\n- name: c\n  envFrom: [{secretRef: {name: gone, optional: true}}, {configMapRef: {name: cfg}}]\n  volumeMounts: [{name: v, mountPath: /v}]\nvolumes: [{name: v, projected: {sources: [{secret: {name: s2}}]}}]',
    );
    expect(rules(podRules([p]))).toEqual([
      'pod.config-references-exist spec.template.spec.containers[c].envFrom[1].configMapRef',
      'pod.config-references-exist spec.template.spec.volumes[v].projected.sources[0].secret',
    ]);
  });
  it('find secret values in committed values files and templates, not generated ones', () => {
    const s = manifest('apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {K: c2VjcmV0}', 'c/templates/s.yaml');
    const layers = [{ file: 'c/values.yaml', prefix: '', tree: { secrets: { K: 'secret' } } }];
    const files = (tracked: string[], text: string | null = null) => ({ tracked: (f: string) => tracked.includes(f), text: () => text });
    expect(committedSecretRules([s], layers, files(['c/values.yaml'])).map((v) => `${v.file} ${v.field}`)).toEqual(['c/values.yaml secrets.K']);
    expect(committedSecretRules([s], layers, files([]))).toEqual([]);
    expect(committedSecretRules([s], [], files(['c/templates/s.yaml'], 'data:\n  K: c2VjcmV0\n')).map((v) => `${v.file} ${v.field}`)).toEqual([
      'c/templates/s.yaml data.K',
    ]);
    expect(committedSecretRules([s], [], files(['c/templates/s.yaml'], 'data:\n  K: {{ randAlphaNum 8 | b64enc }}\n'))).toEqual([]);
    // Two files hold the value: the one whose key is the Secret's wins over a coincidence.
    const two = [
      { file: 'c/values.yaml', prefix: '', tree: { secrets: { K: 'secret' } } },
      { file: 'c/values-dev.yaml', prefix: '', tree: { banner: 'secret' } },
    ];
    expect(committedSecretRules([s], two, files(['c/values.yaml', 'c/values-dev.yaml'])).map((v) => `${v.file} ${v.field}`)).toEqual([
      'c/values.yaml secrets.K',
    ]);
  });
});

describe('helm output', () => {
  const charts: ChartSource[] = [
    { prefix: 'todo-app', dir: 'charts/todo-app', values: '' },
    { prefix: 'todo-app/charts/frontend', dir: 'charts/frontend', values: 'frontend' },
  ];
  it('maps # Source lines to the workspace files', () => {
    const { manifests, invalid } = parseRendered(
      '---\n# Source: todo-app/charts/frontend/templates/service.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n---\n# Source: todo-app/templates/x.yaml\nfoo: bar\n',
      charts,
    );
    expect(manifests.map((m) => [m.file, m.chart])).toEqual([['charts/frontend/templates/service.yaml', 'frontend']]);
    expect(invalid.map((i) => i.file)).toEqual(['charts/todo-app/templates/x.yaml']);
  });
  it('points schema errors at the values file that sets the value', () => {
    const layers = [
      { file: 'charts/frontend/values.yaml', prefix: 'frontend', tree: { replicaCount: 1 } },
      { file: 'charts/todo-app/values-dev.yaml', prefix: '', tree: { frontend: { replicaCount: -1 } } },
    ];
    const stderr =
      "Error: values don't meet the specifications of the schema(s) in the following chart(s):\nfrontend:\n- at '/replicaCount': minimum: got -1, want 0\n- at '': missing property 'image'\n";
    expect(schemaRules(stderr, charts, layers).map((v) => `${v.file} ${v.field}`)).toEqual([
      'charts/todo-app/values-dev.yaml frontend.replicaCount',
      'charts/frontend/values.yaml image',
    ]);
    expect(whoSets(layers, ['frontend', 'replicaCount'])).toEqual({ file: 'charts/todo-app/values-dev.yaml', field: 'frontend.replicaCount' });
    expect(whoHolds(layers, 'frontend', { value: '1' })).toEqual({ file: 'charts/frontend/values.yaml', field: 'replicaCount' });
  });
  it('points template errors at the template and line', () => {
    const v = renderErrorRule(
      'Error: execution error at (todo-app/charts/frontend/templates/deployment.yaml:12:3): boom\n',
      charts,
      'charts/todo-app/Chart.yaml',
    );
    expect([v.file, v.line, v.rule]).toEqual(['charts/frontend/templates/deployment.yaml', 12, 'chart.templates-render']);
  });
});

describe('baseImages', () => {
  const dockerfile = [
    'ARG BASE_IMAGE=node:20-slim',
    'ARG TOOLS=debian:bookworm-slim',
    'FROM ${BASE_IMAGE} AS deps',
    'FROM deps AS build',
    'FROM --platform=linux/amd64 ${TOOLS} AS tools',
    'FROM scratch AS empty',
    'FROM ${BASE_IMAGE}',
    '',
  ].join('\n');
  it('names every image a build starts from, the ARG defaults where no build arg is given, without stages or scratch', () => {
    expect(baseImages(dockerfile)).toEqual(['debian:bookworm-slim', 'node:20-slim']);
  });
  it('takes a build arg over the default', () => {
    expect(baseImages(dockerfile, { BASE_IMAGE: 'nx-k8s-base/node:20.20.2-slim-bookworm' })).toEqual([
      'debian:bookworm-slim',
      'nx-k8s-base/node:20.20.2-slim-bookworm',
    ]);
  });
});
