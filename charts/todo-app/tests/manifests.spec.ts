import { ChartWorkspace, find, Manifest } from './helm';

const ws = new ChartWorkspace();
beforeAll(() => ws.dependencyBuild());
afterAll(() => ws.remove());

const apps = [
  { chart: 'frontend', name: 'todo-frontend', container: 'nextjs', port: 3000, health: '/api/health', secrets: ['BETTER_AUTH_SECRET'] },
  { chart: 'backend', name: 'todo-backend', container: 'fastapi', port: 8000, health: '/health', secrets: ['DATABASE_URL', 'GROQ_API_KEY'] },
] as const;
const allSecretKeys = ['DATABASE_URL', 'GROQ_API_KEY', 'BETTER_AUTH_SECRET'];

const container = (deployment: Manifest) => deployment.spec.template.spec.containers[0];

describe.each(['dev', 'prod'] as const)('helm template with values-%s.yaml', (env) => {
  let raw: string;
  let manifests: Manifest[];
  beforeAll(async () => {
    ({ raw, manifests } = await ws.template(['-f', ws.values(env), '--set', 'frontend.image.tag=abc123']));
  });

  it('renders exactly the data model resources', () => {
    const names = manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort();
    expect(names).toEqual([
      'ConfigMap/todo-config',
      'Deployment/todo-backend',
      'Deployment/todo-frontend',
      // dev keeps the backend's SQLite file on a claim (backend.persistence.enabled).
      ...(env === 'dev' ? ['PersistentVolumeClaim/todo-backend-data'] : []),
      'Secret/todo-secrets',
      'Service/todo-backend',
      'Service/todo-frontend',
    ]);
  });

  it('uses tagged images pulled only when absent, never the moving tag', () => {
    expect(container(find(manifests, 'Deployment', 'todo-frontend')).image).toBe('todo-frontend:abc123');
    expect(container(find(manifests, 'Deployment', 'todo-backend')).image).toBe('todo-backend:0.1.0');
    for (const app of apps) {
      expect(container(find(manifests, 'Deployment', app.name)).imagePullPolicy).toBe('IfNotPresent');
    }
    expect(raw).not.toMatch(/latest/);
  });

  it.each(apps)('Deployment $name runs container $container with probes on $health', (app) => {
    const deployment = find(manifests, 'Deployment', app.name);
    const c = container(deployment);
    expect(deployment.spec.template.spec.containers).toHaveLength(1);
    expect(c.name).toBe(app.container);
    expect(c.ports).toEqual([{ name: 'http', containerPort: app.port, protocol: 'TCP' }]);
    for (const probe of [c.livenessProbe, c.readinessProbe]) {
      expect(probe.httpGet).toEqual({ path: app.health, port: 'http' });
    }
    expect(Object.keys(c.resources).sort()).toEqual(['limits', 'requests']);
    for (const list of [c.resources.requests, c.resources.limits]) {
      expect(Object.keys(list).sort()).toEqual(['cpu', 'memory']);
    }
  });

  it.each(apps)('Deployment $name selects its pods by name, instance and component', (app) => {
    const deployment = find(manifests, 'Deployment', app.name);
    const selector = deployment.spec.selector.matchLabels;
    expect(Object.keys(selector).sort()).toEqual(['app.kubernetes.io/component', 'app.kubernetes.io/instance', 'app.kubernetes.io/name']);
    expect(selector['app.kubernetes.io/name']).toBe(app.chart);
    expect(selector['app.kubernetes.io/instance']).toBe('todo-app');
    expect(deployment.spec.template.metadata.labels).toEqual(expect.objectContaining(selector));
    expect(deployment.metadata.labels?.['helm.sh/chart']).toBe(`${app.chart}-0.1.0`);
  });

  it.each(apps)('Service $name routes port $port to the named port of its pods', (app) => {
    const service = find(manifests, 'Service', app.name);
    const deployment = find(manifests, 'Deployment', app.name);
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([{ name: 'http', port: app.port, targetPort: 'http', protocol: 'TCP' }]);
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
  });

  it.each(apps)('Deployment $name takes todo-config whole and only its own keys of todo-secrets', (app) => {
    const c = container(find(manifests, 'Deployment', app.name));
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'todo-config' } }]);
    const fromSecret = c.env.filter((e: { valueFrom?: unknown }) => e.valueFrom);
    expect(fromSecret).toEqual(
      app.secrets.map((key) => ({
        name: key,
        valueFrom: { secretKeyRef: { name: 'todo-secrets', key, optional: true } },
      })),
    );
    const names: string[] = c.env.map((e: { name: string }) => e.name);
    const others = allSecretKeys.filter((key) => !(app.secrets as readonly string[]).includes(key));
    expect(names.filter((name) => others.includes(name))).toEqual([]);
  });

  it.each(apps)('Deployment $name runs as the images user 10001 without privilege escalation', (app) => {
    const pod = find(manifests, 'Deployment', app.name).spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 });
    expect(pod.containers[0].securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  it.each(apps)('Deployment $name keeps the root filesystem read-only, every written path on a volume', (app) => {
    const pod = find(manifests, 'Deployment', app.name).spec.template.spec;
    expect(pod.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    const volumes = pod.volumes.map((v: { name: string }) => v.name).sort();
    expect(pod.containers[0].volumeMounts.map((m: { name: string }) => m.name).sort()).toEqual(volumes);
  });

  it(`keeps the backend SQLite file at /data on ${env === 'dev' ? 'the claim todo-backend-data, one pod at a time' : 'an emptyDir'}`, () => {
    const deployment = find(manifests, 'Deployment', 'todo-backend');
    const pod = deployment.spec.template.spec;
    expect(pod.containers[0].env).toContainEqual({ name: 'SQLITE_PATH', value: '/data/todos.db' });
    const mount = pod.containers[0].volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/data');
    if (env === 'prod') {
      expect(pod.volumes).toContainEqual({ name: mount.name, emptyDir: {} });
      expect(deployment.spec.strategy).toBeUndefined();
      return;
    }
    expect(pod.volumes).toContainEqual({ name: mount.name, persistentVolumeClaim: { claimName: 'todo-backend-data' } });
    // SQLite on a ReadWriteOnce volume: the old pod stops before the new one starts.
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    const claim = find(manifests, 'PersistentVolumeClaim', 'todo-backend-data');
    // No storageClassName: the cluster's default class.
    expect(claim.spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
    expect(claim.metadata.labels).toEqual(expect.objectContaining(deployment.metadata.labels));
  });

  it('fills todo-config with the shared settings', () => {
    expect(find(manifests, 'ConfigMap', 'todo-config').data).toEqual({
      ENVIRONMENT: env === 'dev' ? 'development' : 'production',
      LOG_LEVEL: env === 'dev' ? 'debug' : 'info',
      FRONTEND_URL: 'http://localhost:3000',
      BACKEND_URL: 'http://todo-backend:8000',
    });
  });

  it(`runs ${env === 'dev' ? 1 : 2} replica(s) of each Deployment`, () => {
    for (const app of apps) {
      expect(find(manifests, 'Deployment', app.name).spec.replicas).toBe(env === 'dev' ? 1 : 2);
    }
  });
});

describe('backend persistence', () => {
  it('names the StorageClass and size it is given', async () => {
    const { manifests } = await ws.template([
      '-f',
      ws.values('dev'),
      '--set',
      'backend.persistence.storageClass=fast',
      '--set',
      'backend.persistence.size=5Gi',
    ]);
    expect(find(manifests, 'PersistentVolumeClaim', 'todo-backend-data').spec).toMatchObject({
      storageClassName: 'fast',
      resources: { requests: { storage: '5Gi' } },
    });
  });

  it('refuses more than one backend pod on the claim, saying why', async () => {
    const { exitCode, stderr } = await ws.helm(['template', 'todo-app', ws.umbrella, '-f', ws.values('dev'), '--set', 'backend.replicaCount=2']);
    expect(exitCode).not.toBe(0);
    expect(stderr).toMatch(/persistence\.enabled .* one writer: replicaCount must be 0 or 1, not 2/);
  });

  it('is off without an environment file (the chart default): an emptyDir, no claim', async () => {
    const { manifests } = await ws.template([]);
    expect(manifests.filter((m) => m.kind === 'PersistentVolumeClaim')).toEqual([]);
    expect(find(manifests, 'Deployment', 'todo-backend').spec.template.spec.volumes).toContainEqual({ name: 'data', emptyDir: {} });
  });
});

describe('configuration hierarchy: values.yaml < values-<env>.yaml < --set', () => {
  it('uses the chart defaults without an environment file', async () => {
    const { manifests } = await ws.template([]);
    expect(find(manifests, 'ConfigMap', 'todo-config').data.LOG_LEVEL).toBe('info');
  });

  it('lets --set override the environment file', async () => {
    const { manifests } = await ws.template(['-f', ws.values('dev'), '--set', 'frontend.replicaCount=3', '--set', 'global.config.LOG_LEVEL=warning']);
    expect(find(manifests, 'Deployment', 'todo-frontend').spec.replicas).toBe(3);
    expect(find(manifests, 'Deployment', 'todo-backend').spec.replicas).toBe(1);
    expect(find(manifests, 'ConfigMap', 'todo-config').data.LOG_LEVEL).toBe('warning');
  });
});
