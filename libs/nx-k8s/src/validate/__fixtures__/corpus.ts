// The corpus: one broken chart or Dockerfile per rule, each made from a copy of the real ones by
// one mutation, with the exact lines validation must print for it (and nothing else).
import { join } from 'path';
import { RuleId, ValidationSpec } from '..';
import { chartValues, imageValuesIn } from '../../release/images';
import { Workspace } from './workspace';

export interface Case {
  rule: RuleId | 'none';
  name: string;
  mutate(ws: Workspace): void;
  /** Changes to what is validated (the options of the validate target). */
  spec?(spec: ValidationSpec): ValidationSpec;
  expected: string[];
}

const FRONTEND_DEPLOYMENT = 'charts/frontend/templates/deployment.yaml';
const BACKEND_DEPLOYMENT = 'charts/backend/templates/deployment.yaml';
const TAG_FIX = 'use a semantic version (1.4.2) or a descriptive label (20-slim, nx-<hash>)';

/** The spec with helm-install's option images naming these paths, as the validate executor passes it. */
function withImages(s: ValidationSpec, named: Record<string, string>): ValidationSpec {
  const chartDir = join(s.root, s.chart);
  const configurations = Object.fromEntries(
    Object.entries(s.configurations).map(([name, files]) => [
      name,
      {
        named: Object.entries(named).map(([path, project]) => ({ path, project })),
        candidates: imageValuesIn(
          chartValues(
            chartDir,
            files.map((f) => join(chartDir, f)),
          ),
        ),
      },
    ]),
  );
  const option = {
    name: "option images of todo-app's helm-install target",
    file: 'charts/todo-app/project.json',
    field: 'targets.helm-install.options.images',
  };
  return { ...s, images: { option, configurations } };
}
/** An image value no template reads (the umbrella's schema, which would refuse the key, left out). */
function addLegacyImage(ws: Workspace): void {
  ws.edit('charts/todo-app/values.yaml', 'backend: {}', 'backend: {}\nlegacy:\n  image:\n    repository: todo-frontend\n    tag: 1.0.0');
  ws.remove('charts/todo-app/values.schema.json');
}

export const CASES: Case[] = [
  // Docker Image
  {
    rule: 'image.repository-name',
    name: 'uppercase repository in a subchart values.yaml',
    mutate: (ws) => ws.edit('charts/frontend/values.yaml', 'repository: todo-frontend', 'repository: Todo-Frontend'),
    expected: [
      'charts/frontend/values.yaml: Image/Todo-Frontend image.repository: repository "Todo-Frontend" has uppercase letters (Docker repositories are lowercase) [image.repository-name] Fix: use lowercase letters, digits and separators (. _ - /), e.g. todo-frontend',
    ],
  },
  {
    rule: 'image.repository-name',
    name: "docker-build target's repository option",
    mutate: () => undefined,
    spec: (s) => ({ ...s, repositories: [{ project: 'backend', projectFile: 'apps/backend/project.json', repository: 'todo_backend_' }] }),
    expected: [
      'apps/backend/project.json: Image/todo_backend_ targets.docker-build.options.repository: repository "todo_backend_" is not a Docker repository name (lowercase letters, digits and separators . _ __ - /) (image of project backend) [image.repository-name] Fix: use lowercase letters, digits and separators (. _ - /), e.g. todo_backend',
    ],
  },
  {
    rule: 'image.tag-not-latest',
    name: 'latest tag in values-prod.yaml',
    mutate: (ws) => ws.edit('charts/todo-app/values-prod.yaml', 'backend:\n  replicaCount: 2\n', 'backend:\n  replicaCount: 2\n  image:\n    tag: latest\n'),
    expected: [
      `charts/todo-app/values-prod.yaml: Deployment/todo-backend backend.image.tag: tag of todo-backend is latest, which names no particular content [image.tag-not-latest in prod] Fix: ${TAG_FIX}`,
    ],
  },
  {
    rule: 'image.tag-not-latest',
    name: 'untagged base image in an ARG default',
    mutate: (ws) => ws.edit('docker/frontend.Dockerfile', 'ARG NODE_BASE=node:20-slim', 'ARG NODE_BASE=node'),
    expected: [
      `docker/frontend.Dockerfile:5: Image/node ARG NODE_BASE: node has no tag, so Docker takes latest, which names no particular content [image.tag-not-latest] Fix: pin a tag: ${TAG_FIX}`,
    ],
  },
  {
    rule: 'image.tag-not-latest',
    name: 'FROM ...:latest',
    mutate: (ws) => ws.edit('docker/backend.Dockerfile', 'FROM ${PYTHON_BASE} AS runtime', 'FROM python:latest AS runtime'),
    expected: [
      `docker/backend.Dockerfile:33: Image/python:latest FROM: tag of python is latest, which names no particular content [image.tag-not-latest] Fix: ${TAG_FIX}`,
    ],
  },
  {
    rule: 'image.tag-format',
    name: 'malformed base image tag',
    mutate: (ws) => ws.edit('docker/backend.Dockerfile', 'ARG PYTHON_BASE=python:3.11-slim', 'ARG PYTHON_BASE=python:3.11~slim'),
    expected: [
      `docker/backend.Dockerfile:5: Image/python:3.11~slim ARG PYTHON_BASE: tag "3.11~slim" of python is not a Docker tag (letters, digits, _ . -, at most 128, not starting with . or -) [image.tag-format] Fix: ${TAG_FIX}`,
    ],
  },
  {
    rule: 'image.dockerfile-exists',
    name: 'Dockerfile missing',
    mutate: (ws) => ws.remove('docker/frontend.Dockerfile'),
    expected: [
      'docker/frontend.Dockerfile: Dockerfile/frontend.Dockerfile (file): the Dockerfile does not exist (option dockerfile of frontend:docker-build) [image.dockerfile-exists] Fix: create it, or correct the path',
    ],
  },
  {
    rule: 'image.value-read',
    name: 'option images names a value no template reads',
    mutate: addLegacyImage,
    spec: (s) => withImages(s, { 'legacy.image': 'frontend', 'backend.image': 'backend' }),
    expected: [
      `charts/todo-app/project.json: Chart/todo-app targets.helm-install.options.images["legacy.image"]: option images of todo-app's helm-install target sets frontend's image at legacy.image, which no template reads into a container's image, so the deploy would not run it [image.value-read] Fix: name the image value a template reads instead (read here: backend.image, frontend.image)`,
    ],
  },
  {
    rule: 'none',
    name: 'option images names the values the templates read',
    mutate: addLegacyImage,
    spec: (s) => withImages(s, { 'frontend.image': 'frontend', 'backend.image': 'backend' }),
    expected: [],
  },
  // Helm Chart
  {
    rule: 'chart.yaml-valid',
    name: 'Chart.yaml is not YAML',
    mutate: (ws) => ws.edit('charts/todo-app/Chart.yaml', 'version: 0.1.0', 'version: [0.1.0'),
    expected: [
      'charts/todo-app/Chart.yaml:6: Chart/todo-app (file): Chart.yaml is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 6, column 1 [chart.yaml-valid] Fix: correct the YAML syntax (indentation, quoting)',
    ],
  },
  {
    rule: 'chart.required-fields',
    name: 'subchart Chart.yaml without version',
    mutate: (ws) => ws.edit('charts/backend/Chart.yaml', 'version: 0.1.0\n', ''),
    expected: [
      'charts/backend/Chart.yaml: Chart/backend version: Chart.yaml has no version [chart.required-fields] Fix: add version: 0.1.0 (a semantic version)',
    ],
  },
  {
    rule: 'chart.version-semver',
    name: 'version is not MAJOR.MINOR.PATCH',
    mutate: (ws) => ws.edit('charts/todo-app/Chart.yaml', 'version: 0.1.0', 'version: "1.0"'),
    expected: [
      'charts/todo-app/Chart.yaml: Chart/todo-app version: version "1.0" is not a semantic version (MAJOR.MINOR.PATCH) [chart.version-semver] Fix: use e.g. 1.0.0',
    ],
  },
  {
    rule: 'chart.templates-render',
    name: 'template reads a value that does not exist',
    mutate: (ws) => ws.edit('charts/todo-app/templates/configmap.yaml', 'name: todo-config', 'name: {{ .Values.missing.name }}'),
    expected: [
      'charts/todo-app/templates/configmap.yaml:4: Chart/todo-app templates: helm template fails: template: todo-app/templates/configmap.yaml:4:18: executing "todo-app/templates/configmap.yaml" at <.Values.missing.name>: nil pointer evaluating interface {}.name [chart.templates-render] Fix: fix the template expression at this line, or the values it reads',
    ],
  },
  {
    rule: 'chart.templates-render',
    name: 'template renders YAML that does not parse',
    mutate: (ws) => ws.edit('charts/todo-app/templates/configmap.yaml', '  {{- range $key', '   broken: [\n  {{- range $key'),
    expected: [
      "charts/todo-app/templates/configmap.yaml: Chart/todo-app templates: helm template fails: YAML parse error on todo-app/templates/configmap.yaml: error converting YAML to JSON: yaml: line 14: did not find expected ',' or ']' [chart.templates-render] Fix: fix the indentation or quoting of what this template renders (helm template --debug shows it)",
    ],
  },
  {
    rule: 'chart.templates-render',
    name: 'values file that is not YAML',
    mutate: (ws) => ws.edit('charts/todo-app/values-prod.yaml', 'frontend:\n  replicaCount: 2', 'frontend:\n  replicaCount: 2\n    extra: [1'),
    expected: [
      'charts/todo-app/values-prod.yaml:9: Chart/todo-app (file): values file is not valid YAML, so the chart cannot render: Nested mappings are not allowed in compact mappings at line 9, column 17 [chart.templates-render] Fix: correct the YAML syntax (indentation, quoting)',
    ],
  },
  {
    rule: 'chart.templates-render',
    name: 'rendered document without metadata.name',
    mutate: (ws) =>
      ws.write(
        'charts/todo-app/templates/feature-flags.yaml',
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels:\n    app.kubernetes.io/part-of: todo-app\ndata:\n  NEW_UI: "false"\n',
      ),
    expected: [
      'charts/todo-app/templates/feature-flags.yaml: Chart/todo-app templates: renders an invalid manifest: the rendered ConfigMap has no metadata.name [chart.templates-render] Fix: make every document of the template a Kubernetes object with apiVersion, kind and metadata.name',
    ],
  },
  {
    rule: 'chart.values-schema',
    name: 'values-dev.yaml value outside the schema',
    mutate: (ws) => ws.edit('charts/todo-app/values-dev.yaml', 'LOG_LEVEL: debug', 'LOG_LEVEL: loud'),
    expected: [
      "charts/todo-app/values-dev.yaml: Chart/todo-app global.config.LOG_LEVEL: value does not satisfy charts/todo-app/values.schema.json: value must be one of 'debug', 'info', 'warning', 'error', 'critical' [chart.values-schema in dev] Fix: change the value to one the schema accepts (see charts/todo-app/values.schema.json)",
    ],
  },
  {
    rule: 'chart.file-dependencies-exist',
    name: 'file:// subchart directory missing',
    mutate: (ws) => ws.remove('charts/backend'),
    expected: [
      'charts/todo-app/Chart.yaml: Chart/todo-app dependencies[backend].repository: file://../backend points at charts/backend, which has no Chart.yaml [chart.file-dependencies-exist] Fix: create the subchart there or correct the file:// path (relative to this chart)',
    ],
  },
  {
    rule: 'chart.lock-matches',
    name: 'Chart.yaml dependency changed without helm dependency update',
    mutate: (ws) =>
      ws.edit('charts/todo-app/Chart.yaml', '    repository: file://../frontend\n', '    repository: file://../frontend\n    condition: frontend.enabled\n'),
    expected: [
      'charts/todo-app/Chart.lock: Chart/todo-app digest: Chart.lock is out of sync with the dependencies in Chart.yaml (its digest does not match; helm dependency build refuses it) [chart.lock-matches] Fix: run helm dependency update charts/todo-app and commit Chart.lock',
    ],
  },
  // Deployment
  {
    rule: 'deployment.replicas-non-negative',
    name: 'negative replicaCount',
    mutate: (ws) => ws.edit('charts/todo-app/values-dev.yaml', 'frontend:\n  replicaCount: 1', 'frontend:\n  replicaCount: -1'),
    expected: [
      'charts/todo-app/values-dev.yaml: Deployment/todo-frontend frontend.replicaCount: replicas is -1; it must be a whole number >= 0 [deployment.replicas-non-negative in dev] Fix: set replicas (replicaCount in the values) to 0 or more',
    ],
  },
  {
    rule: 'deployment.requests-within-limits',
    name: 'memory request above limit (2Gi vs 1Gi)',
    mutate: (ws) => ws.edit('charts/todo-app/values-prod.yaml', /(backend:[\s\S]*requests:\n\s+cpu: 250m\n\s+memory: )256Mi/, '$12Gi'),
    expected: [
      'charts/todo-app/values-prod.yaml: Deployment/todo-backend backend.resources.requests.memory: container fastapi requests memory 2Gi, more than its limit 1Gi [deployment.requests-within-limits in prod] Fix: lower requests.memory to at most 1Gi or raise limits.memory',
    ],
  },
  {
    rule: 'deployment.requests-within-limits',
    name: 'CPU request above limit (1 vs 500m)',
    mutate: (ws) => ws.edit('charts/todo-app/values-dev.yaml', 'cpu: 50m\n      memory: 128Mi', 'cpu: "1"\n      memory: 128Mi'),
    expected: [
      'charts/todo-app/values-dev.yaml: Deployment/todo-frontend frontend.resources.requests.cpu: container nextjs requests cpu 1, more than its limit 500m [deployment.requests-within-limits in dev] Fix: lower requests.cpu to at most 500m or raise limits.cpu',
    ],
  },
  {
    rule: 'deployment.probe-handler',
    name: 'probe on a port the container does not have',
    mutate: (ws) => ws.edit(BACKEND_DEPLOYMENT, 'path: /health\n              port: http', 'path: /health\n              port: 9000'),
    expected: [
      'charts/backend/templates/deployment.yaml: Deployment/todo-backend spec.template.spec.containers[fastapi].livenessProbe.httpGet.port: livenessProbe of container fastapi probes port 9000, which the container does not declare (http=8000) [deployment.probe-handler] Fix: use a port of the container by number or name, or add it to spec.template.spec.containers[fastapi].ports',
    ],
  },
  {
    rule: 'deployment.probe-handler',
    name: 'probe without a handler',
    mutate: (ws) =>
      ws.edit(FRONTEND_DEPLOYMENT, 'readinessProbe:\n            httpGet:\n              path: /api/health\n              port: http\n', 'readinessProbe:\n'),
    expected: [
      'charts/frontend/templates/deployment.yaml: Deployment/todo-frontend spec.template.spec.containers[nextjs].readinessProbe: readinessProbe of container nextjs has no handler [deployment.probe-handler] Fix: give the probe one of httpGet (path, port), tcpSocket (port) or exec (command)',
    ],
  },
  {
    rule: 'deployment.container-ports-unique',
    name: 'two container ports with the same number',
    mutate: (ws) =>
      ws.edit(
        FRONTEND_DEPLOYMENT,
        'containerPort: 3000\n              protocol: TCP\n',
        'containerPort: 3000\n              protocol: TCP\n            - name: metrics\n              containerPort: 3000\n',
      ),
    expected: [
      'charts/frontend/templates/deployment.yaml: Deployment/todo-frontend spec.template.spec.containers[nextjs].ports[metrics]: containerPort 3000/TCP is declared twice in the pod (first at spec.template.spec.containers[nextjs].ports[http]) [deployment.container-ports-unique] Fix: give each container port its own number, or remove the duplicate',
    ],
  },
  {
    rule: 'deployment.selector-matches-template',
    name: 'selector with a label the pods do not have',
    mutate: (ws) => ws.edit(FRONTEND_DEPLOYMENT, '    matchLabels:\n', '    matchLabels:\n      tier: web\n'),
    expected: [
      "charts/frontend/templates/deployment.yaml: Deployment/todo-frontend spec.selector.matchLabels: selector tier=web does not match the pod template's labels (helm.sh/chart=frontend-0.1.0, app.kubernetes.io/name=frontend, app.kubernetes.io/instance=todo-app, app.kubernetes.io/component=web, app.kubernetes.io/version=0.1.0, app.kubernetes.io/part-of=todo-app, app.kubernetes.io/managed-by=Helm) [deployment.selector-matches-template] Fix: use the same labels in spec.selector and spec.template.metadata.labels",
    ],
  },
  // Service
  {
    rule: 'service.type',
    name: 'unknown Service type',
    mutate: (ws) =>
      ws.edit(
        'charts/todo-app/values-dev.yaml',
        'backend:\n  replicaCount: 1\n',
        'backend:\n  replicaCount: 1\n  service:\n    type: External\n    port: 8000\n',
      ),
    expected: [
      'charts/todo-app/values-dev.yaml: Service/todo-backend backend.service.type: type "External" is not a Service type [service.type in dev] Fix: use one of ClusterIP, NodePort, LoadBalancer',
    ],
  },
  {
    rule: 'service.port-range',
    name: 'Service port above 65535',
    mutate: (ws) => ws.edit('charts/backend/values.yaml', 'port: 8000', 'port: 70000'),
    expected: [
      'charts/backend/values.yaml: Service/todo-backend service.port: port 70000 is outside 1..65535 [service.port-range] Fix: set port to a port number from 1 to 65535',
    ],
  },
  {
    rule: 'service.port-names-unique',
    name: 'two Service ports named http',
    mutate: (ws) =>
      ws.edit(
        'charts/frontend/templates/service.yaml',
        '      protocol: TCP\n',
        '      protocol: TCP\n    - name: http\n      port: 3001\n      targetPort: http\n',
      ),
    expected: [
      'charts/frontend/templates/service.yaml: Service/todo-frontend spec.ports[http].name: port name http is used twice in the Service [service.port-names-unique] Fix: give each Service port its own name',
    ],
  },
  {
    rule: 'service.target-port-exists',
    name: 'targetPort names no container port',
    mutate: (ws) => ws.edit('charts/backend/templates/service.yaml', 'targetPort: http', 'targetPort: api'),
    expected: [
      'charts/backend/templates/service.yaml: Service/todo-backend spec.ports[http].targetPort: targetPort "api" is not a port of the selected pods of Deployment/todo-backend [service.target-port-exists] Fix: point targetPort at a containerPort (number or name) of the selected containers',
    ],
  },
  {
    rule: 'service.selector-matches-pods',
    name: 'selector that matches no workload',
    mutate: (ws) => ws.edit('charts/frontend/templates/service.yaml', '  selector:\n', '  selector:\n    tier: web\n'),
    expected: [
      "charts/frontend/templates/service.yaml: Service/todo-frontend spec.selector: selector tier=web, app.kubernetes.io/name=frontend, app.kubernetes.io/instance=todo-app, app.kubernetes.io/component=web matches the pods of no workload in the release (workloads: Deployment/todo-backend, Deployment/todo-frontend) [service.selector-matches-pods] Fix: set spec.selector to the pod template labels of the workload it fronts (its Deployment's selector labels)",
    ],
  },
  // ConfigMap
  {
    rule: 'configmap.key-name',
    name: 'key with a space',
    mutate: (ws) => ws.edit('charts/todo-app/templates/configmap.yaml', '\ndata:\n', '\ndata:\n  "LOG FORMAT": json\n'),
    expected: [
      'charts/todo-app/templates/configmap.yaml: ConfigMap/todo-config data."LOG FORMAT": key "LOG FORMAT" may hold only letters, digits, -, _ and ., so it is neither an environment variable name nor a file name [configmap.key-name] Fix: rename the key, e.g. to UPPER_SNAKE_CASE',
    ],
  },
  {
    rule: 'configmap.size',
    name: '1 MiB of data',
    mutate: (ws) => ws.edit('charts/todo-app/templates/configmap.yaml', '\ndata:\n', '\ndata:\n  BIG: {{ repeat 1048576 "x" | quote }}\n'),
    expected: [
      'charts/todo-app/templates/configmap.yaml: ConfigMap/todo-config data: holds 1048683 bytes of keys and values; Kubernetes stores at most 1 MiB (1048576 bytes) [configmap.size] Fix: move large content out of the ConfigMap (a volume, an image layer) or split it',
    ],
  },
  {
    rule: 'configmap.utf8',
    name: 'unquoted number as a value',
    mutate: (ws) => ws.edit('charts/todo-app/templates/configmap.yaml', '\ndata:\n', '\ndata:\n  WORKERS: 4\n'),
    expected: [
      'charts/todo-app/templates/configmap.yaml: ConfigMap/todo-config data.WORKERS: value is a number, not a UTF-8 string [configmap.utf8] Fix: quote the value in the template ({{ ... | quote }})',
    ],
  },
  // Secret
  {
    rule: 'secret.key-name',
    name: 'key with a slash',
    mutate: (ws) => ws.edit('charts/todo-app/templates/secret.yaml', 'type: Opaque\n', 'type: Opaque\nstringData:\n  "auth/secret": ""\n'),
    expected: [
      'charts/todo-app/templates/secret.yaml: Secret/todo-secrets stringData."auth/secret": key "auth/secret" may hold only letters, digits, -, _ and ., so it is neither an environment variable name nor a file name [secret.key-name] Fix: rename the key, e.g. to UPPER_SNAKE_CASE',
    ],
  },
  {
    rule: 'secret.size',
    name: '1 MiB of stringData',
    mutate: (ws) =>
      ws.edit('charts/todo-app/templates/secret.yaml', 'type: Opaque\n', 'type: Opaque\nstringData:\n  BUNDLE: {{ repeat 1048576 "x" | quote }}\n'),
    expected: [
      'charts/todo-app/templates/secret.yaml: Secret/todo-secrets data: holds 1048582 bytes of keys and values; Kubernetes stores at most 1 MiB (1048576 bytes) [secret.size] Fix: move large content out of the Secret (a volume, an image layer) or split it',
    ],
  },
  {
    rule: 'secret.base64',
    name: 'data value that is not base64',
    mutate: (ws) => ws.edit('charts/todo-app/templates/secret.yaml', 'type: Opaque\n', 'type: Opaque\ndata:\n  TOKEN: "not base64!"\n'),
    expected: [
      'charts/todo-app/templates/secret.yaml: Secret/todo-secrets data.TOKEN: value is not valid base64 [secret.base64] Fix: encode it ({{ $value | b64enc | quote }}), or put the plain text under stringData',
    ],
  },
  {
    rule: 'secret.not-committed',
    name: 'API key in a committed values file',
    mutate: (ws) =>
      ws.edit('charts/todo-app/values-dev.yaml', '    LOG_LEVEL: debug\n', '    LOG_LEVEL: debug\n  secrets:\n    GROQ_API_KEY: gsk_live_0123456789\n'),
    expected: [
      'charts/todo-app/values-dev.yaml: Secret/todo-secrets global.secrets.GROQ_API_KEY: holds the value of Secret todo-secrets key GROQ_API_KEY in a file committed to git [secret.not-committed in dev] Fix: empty it here and give it at deploy time (the GROQ_API_KEY environment variable or the git-ignored .env, which helm-install passes to helm), then rotate the value',
    ],
  },
  {
    rule: 'none',
    name: 'API key in a git-ignored values file is how secrets should arrive',
    mutate: (ws) => {
      ws.write('.gitignore', 'values-local.yaml\n');
      ws.write('charts/todo-app/values-local.yaml', 'global:\n  secrets:\n    GROQ_API_KEY: gsk_live_0123456789\n');
    },
    spec: (s) => ({ ...s, configurations: { dev: ['values-dev.yaml', 'values-local.yaml'] } }),
    expected: [],
  },
  {
    rule: 'secret.not-committed',
    name: 'a git-ignored values file does not hide a committed secret it overrides',
    mutate: (ws) => {
      ws.edit('charts/todo-app/values.yaml', '    DATABASE_URL: ""', '    DATABASE_URL: postgresql://todo:hunter2@db:5432/todo');
      ws.write('.gitignore', 'values-local.yaml\n');
      ws.write('charts/todo-app/values-local.yaml', 'global:\n  secrets:\n    DATABASE_URL: postgresql://todo:local@localhost:5432/todo\n');
    },
    spec: (s) => ({ ...s, configurations: { dev: ['values-dev.yaml', 'values-local.yaml'] } }),
    expected: [
      'charts/todo-app/values.yaml: Secret/todo-secrets global.secrets.DATABASE_URL: holds the value of Secret todo-secrets key DATABASE_URL in a file committed to git [secret.not-committed] Fix: empty it here and give it at deploy time (the DATABASE_URL environment variable or the git-ignored .env, which helm-install passes to helm), then rotate the value',
    ],
  },
  // Pod
  {
    rule: 'pod.has-containers',
    name: 'Job without containers',
    mutate: (ws) =>
      ws.write(
        'charts/todo-app/templates/migrate-job.yaml',
        'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: todo-migrate\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: []\n',
      ),
    expected: [
      'charts/todo-app/templates/migrate-job.yaml: Job/todo-migrate spec.template.spec.containers: the pod has no container [pod.has-containers] Fix: add a container (name, image) to the pod template',
    ],
  },
  {
    rule: 'pod.volume-mounts-declared',
    name: 'mount of a volume the pod does not declare',
    mutate: (ws) => ws.edit(BACKEND_DEPLOYMENT, '      volumes:\n        - name: data', '      volumes:\n        - name: storage'),
    expected: [
      'charts/backend/templates/deployment.yaml: Deployment/todo-backend spec.template.spec.containers[fastapi].volumeMounts[data]: container fastapi mounts volume data, which the pod does not declare (volumes: storage, tmp) [pod.volume-mounts-declared] Fix: add a volume named data to spec.template.spec.volumes, or mount a declared one',
    ],
  },
  {
    rule: 'image.tag-not-latest',
    name: "latest from helm-install's set (validated as deployed, not only the values files)",
    mutate: () => undefined,
    spec: (s) => ({ ...s, set: { prod: { 'frontend.image.tag': 'latest' } } }),
    expected: [
      "helm-install's option set: Deployment/todo-frontend frontend.image.tag: tag of todo-frontend is latest, which names no particular content [image.tag-not-latest in prod] Fix: use a semantic version (1.4.2) or a descriptive label (20-slim, nx-<hash>)",
    ],
  },
  {
    rule: 'none',
    name: 'a StatefulSet mounting its volumeClaimTemplate (the controller declares that volume)',
    mutate: (ws) =>
      ws.write(
        'charts/todo-app/templates/cache.yaml',
        'apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: todo-cache\nspec:\n  serviceName: todo-cache\n  selector:\n    matchLabels: { app: todo-cache }\n  template:\n    metadata:\n      labels: { app: todo-cache }\n    spec:\n      containers:\n        - name: cache\n          image: todo-backend:1.0.0\n          volumeMounts: [{ name: data, mountPath: /data }]\n  volumeClaimTemplates:\n    - metadata: { name: data }\n      spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }\n',
      ),
    expected: [],
  },
  {
    rule: 'pod.volume-mounts-declared',
    name: 'a StatefulSet mounting a volume that is neither declared nor claimed',
    mutate: (ws) =>
      ws.write(
        'charts/todo-app/templates/cache.yaml',
        'apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: todo-cache\nspec:\n  serviceName: todo-cache\n  selector:\n    matchLabels: { app: todo-cache }\n  template:\n    metadata:\n      labels: { app: todo-cache }\n    spec:\n      containers:\n        - name: cache\n          image: todo-backend:1.0.0\n          volumeMounts: [{ name: data, mountPath: /data }]\n  volumeClaimTemplates:\n    - metadata: { name: cache-data }\n      spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }\n',
      ),
    expected: [
      'charts/todo-app/templates/cache.yaml: StatefulSet/todo-cache spec.template.spec.containers[cache].volumeMounts[data]: container cache mounts volume data, which the pod does not declare (volumes: cache-data) [pod.volume-mounts-declared] Fix: add a volume named data to spec.template.spec.volumes, or mount a declared one',
    ],
  },
  {
    rule: 'pod.config-references-exist',
    name: 'envFrom a ConfigMap the release does not create',
    mutate: (ws) => ws.edit(FRONTEND_DEPLOYMENT, 'configMapRef:\n                name: todo-config', 'configMapRef:\n                name: todo-settings'),
    expected: [
      'charts/frontend/templates/deployment.yaml: Deployment/todo-frontend spec.template.spec.containers[nextjs].envFrom[0].configMapRef: refers to ConfigMap todo-settings, which the release does not create [pod.config-references-exist] Fix: add ConfigMap todo-settings to the chart, fix the name, or set optional: true',
    ],
  },
  {
    rule: 'pod.config-references-exist',
    name: 'required key missing from the Secret',
    mutate: (ws) => ws.edit(BACKEND_DEPLOYMENT, '                  optional: true\n', ''),
    expected: [
      'charts/backend/templates/deployment.yaml: Deployment/todo-backend spec.template.spec.containers[fastapi].env[DATABASE_URL].valueFrom.secretKeyRef: refers to key DATABASE_URL of Secret todo-secrets, which has no such key (no keys) [pod.config-references-exist] Fix: add DATABASE_URL to Secret todo-secrets, fix the key, or set optional: true',
      'charts/backend/templates/deployment.yaml: Deployment/todo-backend spec.template.spec.containers[fastapi].env[GROQ_API_KEY].valueFrom.secretKeyRef: refers to key GROQ_API_KEY of Secret todo-secrets, which has no such key (no keys) [pod.config-references-exist] Fix: add GROQ_API_KEY to Secret todo-secrets, fix the key, or set optional: true',
    ],
  },
];
