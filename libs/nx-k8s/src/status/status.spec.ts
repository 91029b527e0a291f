// The status report decided from snapshots shaped as kubectl and helm print them, each report
// checked against the JSON schema users' scripts rely on; and the key-names-only listing.
import Ajv from 'ajv';
import { parseConfigKeys } from '../adapters/kubectl';
import { buildReport, formatReport, Snapshot, StatusReport } from '.';
import schema from './status-report.schema.json';

const validate = new Ajv({ allErrors: true }).compile(schema);

function valid(r: StatusReport): StatusReport {
  if (!validate(r)) throw new Error(`report does not match status-report.schema.json: ${JSON.stringify(validate.errors)}`);
  return r;
}

const NS = 'default';
const FRONTEND = 'todo-frontend:nx-1111111111111111';
const BACKEND = 'todo-backend:nx-2222222222222222';
const DESIRED = 'nx-k8s desired=aaaa';

const manifest = [
  'apiVersion: v1\nkind: Secret\nmetadata:\n  name: todo-secrets',
  'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: todo-config',
  'apiVersion: v1\nkind: Service\nmetadata:\n  name: todo-frontend',
  'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: todo-frontend',
  'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: todo-backend',
].join('\n---\n');

function deployment(name: string, image: string, available = 1) {
  return {
    kind: 'Deployment',
    metadata: { name, namespace: NS, generation: 1, annotations: { 'deployment.kubernetes.io/revision': '1' } },
    spec: {
      replicas: 1,
      template: {
        spec: { containers: [{ name: 'app', image, envFrom: [{ configMapRef: { name: 'todo-config' } }, { secretRef: { name: 'todo-secrets' } }] }] },
      },
    },
    status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: available, conditions: [] },
  };
}

function replicaSet(deploymentName: string, available = 1) {
  return {
    kind: 'ReplicaSet',
    metadata: {
      name: `${deploymentName}-5d4f`,
      namespace: NS,
      annotations: { 'deployment.kubernetes.io/revision': '1' },
      ownerReferences: [{ kind: 'Deployment', name: deploymentName }],
    },
    status: { availableReplicas: available },
  };
}

function pod(deploymentName: string, image: string, state: 'running' | 'crashing' = 'running') {
  const running = state === 'running';
  return {
    kind: 'Pod',
    metadata: { name: `${deploymentName}-5d4f-x1`, namespace: NS, ownerReferences: [{ kind: 'ReplicaSet', name: `${deploymentName}-5d4f` }] },
    spec: { containers: [{ name: 'app', image, envFrom: [{ configMapRef: { name: 'todo-config' } }, { secretRef: { name: 'todo-secrets' } }] }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: running ? 'True' : 'False' }],
      containerStatuses: [
        running
          ? { name: 'app', image, ready: true, restartCount: 0, state: { running: {} } }
          : {
              name: 'app',
              image,
              ready: false,
              restartCount: 4,
              state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } },
              lastState: { terminated: { exitCode: 1, reason: 'Error' } },
            },
      ],
    },
  };
}

function snapshot(over: Partial<Snapshot> = {}, backendState: 'running' | 'crashing' = 'running'): Snapshot {
  const crashing = backendState === 'crashing';
  return {
    release: 'todo-app',
    namespace: NS,
    context: 'nx-k8s-local',
    info: { name: 'todo-app', namespace: NS, revision: 3, status: 'deployed', description: DESIRED, manifest },
    workloads: [
      { kind: 'Deployment', name: 'todo-frontend', namespace: NS, images: [FRONTEND] },
      { kind: 'Deployment', name: 'todo-backend', namespace: NS, images: [BACKEND] },
    ],
    services: [{ name: 'todo-frontend', namespace: NS }],
    config: [
      { kind: 'Secret', name: 'todo-secrets', namespace: NS },
      { kind: 'ConfigMap', name: 'todo-config', namespace: NS },
    ],
    items: [
      deployment('todo-frontend', FRONTEND),
      replicaSet('todo-frontend'),
      pod('todo-frontend', FRONTEND),
      deployment('todo-backend', BACKEND, crashing ? 0 : 1),
      replicaSet('todo-backend', crashing ? 0 : 1),
      pod('todo-backend', BACKEND, backendState),
      {
        kind: 'Service',
        metadata: { name: 'todo-frontend', namespace: NS },
        spec: { selector: { app: 'todo-frontend' }, ports: [{ name: 'http', port: 3000, protocol: 'TCP' }] },
      },
      {
        kind: 'EndpointSlice',
        metadata: { name: 'todo-frontend-abc', namespace: NS, labels: { 'kubernetes.io/service-name': 'todo-frontend' } },
        endpoints: [{ conditions: { ready: true } }],
      },
    ] as Snapshot['items'],
    configKeys: new Map([
      [`${NS}/Secret/todo-secrets`, ['BETTER_AUTH_SECRET']],
      [`${NS}/ConfigMap/todo-config`, ['ENVIRONMENT', 'LOG_LEVEL']],
    ]),
    apps: [
      { project: 'backend', repository: 'todo-backend', workspaceRef: BACKEND },
      { project: 'frontend', repository: 'todo-frontend', workspaceRef: FRONTEND },
    ],
    inCluster: new Map([
      [FRONTEND, true],
      [BACKEND, true],
    ]),
    builtHere: new Map([
      [FRONTEND, true],
      [BACKEND, true],
    ]),
    lastLogs: crashing ? new Map([['todo-backend-5d4f-x1/app', 'RuntimeError: DATABASE_URL is not a valid URL']]) : new Map(),
    desiredDescription: DESIRED,
    ...over,
  };
}

describe('the status report', () => {
  it('healthy: images running, workloads Available, endpoints ready, config keys and who uses them, up to date', () => {
    const r = valid(buildReport(snapshot()));
    expect(r.healthy).toBe(true);
    expect(r.problems).toEqual([]);
    expect(r.release).toMatchObject({ revision: 3, status: 'deployed', upToDate: true, differs: [], note: 'up to date with the workspace' });
    const frontend = r.apps.find((a) => a.name === 'frontend')!;
    expect(frontend.image).toEqual({
      deployed: FRONTEND,
      workspace: FRONTEND,
      builtHere: true,
      inCluster: true,
      state: 'Running',
      pods: ['todo-frontend-5d4f-x1'],
    });
    expect(frontend.workloads).toEqual([{ resource: 'deployment/todo-frontend', state: 'Available', ready: '1/1 new available, 1/1 updated', reason: null }]);
    expect(frontend.pods).toEqual([
      { name: 'todo-frontend-5d4f-x1', phase: 'Running', ready: true, restarts: 0, lastTermination: null, reason: null, lastLog: null },
    ]);
    expect(r.services).toEqual([{ name: 'todo-frontend', namespace: NS, ports: ['http:3000/TCP'], ready: 1, notReady: 0 }]);
    expect(r.config).toEqual([
      {
        kind: 'Secret',
        name: 'todo-secrets',
        namespace: NS,
        present: true,
        keys: ['BETTER_AUTH_SECRET'],
        usedBy: ['todo-backend-5d4f-x1', 'todo-frontend-5d4f-x1'],
      },
      {
        kind: 'ConfigMap',
        name: 'todo-config',
        namespace: NS,
        present: true,
        keys: ['ENVIRONMENT', 'LOG_LEVEL'],
        usedBy: ['todo-backend-5d4f-x1', 'todo-frontend-5d4f-x1'],
      },
    ]);
  });

  it('a crash loop: Degraded with the reason, the last termination and the last log line; not healthy', () => {
    const r = valid(buildReport(snapshot({}, 'crashing')));
    expect(r.healthy).toBe(false);
    const backend = r.apps.find((a) => a.name === 'backend')!;
    expect(backend.workloads[0]).toMatchObject({ resource: 'deployment/todo-backend', state: 'Degraded' });
    expect(backend.workloads[0].reason).toMatch(
      /^pod\/todo-backend-5d4f-x1: CrashLoopBackOff: container app keeps crashing \(4 restarts, last exit code 1 Error\)/,
    );
    expect(backend.pods[0]).toMatchObject({
      ready: false,
      restarts: 4,
      lastTermination: 'Error (exit code 1)',
      lastLog: 'RuntimeError: DATABASE_URL is not a valid URL',
    });
    // In the runtime, but no container of it runs.
    expect(backend.image?.state).toBe('Loaded');
    expect(r.problems).toContain('pod/todo-backend-5d4f-x1: last log line: RuntimeError: DATABASE_URL is not a valid URL');
  });

  it('an image the node no longer holds: Not in the cluster, and a problem that says what a restart would do', () => {
    const r = valid(buildReport(snapshot({ inCluster: new Map([[FRONTEND, false]]) })));
    expect(r.apps.find((a) => a.name === 'frontend')!.image).toMatchObject({ state: 'Not in the cluster', inCluster: false });
    expect(r.healthy).toBe(false);
    expect(r.problems).toEqual([
      "frontend: image todo-frontend:nx-1111111111111111 is not in the cluster's runtime: a pod that restarts cannot start. Fix: nx run frontend:deploy (loads it again)",
    ]);
  });

  it('the workspace changed and was not deployed: names the app whose image differs', () => {
    const edited = 'todo-frontend:nx-3333333333333333';
    const r = valid(
      buildReport(
        snapshot({
          apps: [
            { project: 'backend', repository: 'todo-backend', workspaceRef: BACKEND },
            { project: 'frontend', repository: 'todo-frontend', workspaceRef: edited },
          ],
          builtHere: new Map([[edited, false]]),
          desiredDescription: 'nx-k8s desired=bbbb',
        }),
      ),
    );
    expect(r.release).toMatchObject({
      upToDate: false,
      differs: [{ app: 'frontend', deployed: FRONTEND, workspace: edited }],
      note: 'differs from the workspace: frontend',
    });
    // Out of date is not unhealthy: what runs is fine.
    expect(r.healthy).toBe(true);
    expect(r.apps.find((a) => a.name === 'frontend')!.image).toMatchObject({ workspace: edited, builtHere: false });
  });

  it('a values change not deployed: the chart, values, set or secrets differ', () => {
    const r = valid(buildReport(snapshot({ desiredDescription: 'nx-k8s desired=cccc' })));
    expect(r.release).toMatchObject({ upToDate: false, differs: [], note: 'differs from the workspace: chart, values, set or secrets' });
  });

  it('the workspace state unknown: says why, upToDate null', () => {
    const r = valid(buildReport(snapshot({ desiredDescription: null, workspaceNote: 'the workspace state is unknown (run status through nx)' })));
    expect(r.release).toMatchObject({ upToDate: null, note: 'the workspace state is unknown (run status through nx)' });
  });

  it('a workload, a Service and a Secret deleted by hand are Missing', () => {
    const s = snapshot();
    s.items = s.items.filter((i) => !(i.kind === 'Deployment' && i.metadata?.name === 'todo-backend') && i.kind !== 'Service');
    s.configKeys.delete(`${NS}/Secret/todo-secrets`);
    const r = valid(buildReport(s));
    expect(r.healthy).toBe(false);
    expect(r.apps.find((a) => a.name === 'backend')!.workloads).toEqual([
      { resource: 'deployment/todo-backend', state: 'Missing', ready: '-', reason: 'not in the cluster' },
    ]);
    expect(r.problems).toEqual([
      "deployment/todo-backend: Missing: release todo-app's manifest has it, namespace default does not. Fix: deploy again (nx run-many -t deploy puts it back)",
      'service/todo-frontend: Missing: not in namespace default. Fix: deploy again',
      'secret/todo-secrets: Missing: not in namespace default. Fix: deploy again',
    ]);
  });

  it('a Service whose selector matches no ready pod has no ready endpoint', () => {
    const s = snapshot();
    s.items = s.items.map((i) => (i.kind === 'EndpointSlice' ? { ...i, endpoints: [{ conditions: { ready: false } }] } : i)) as Snapshot['items'];
    const r = valid(buildReport(s));
    expect(r.services[0]).toMatchObject({ ready: 0, notReady: 1 });
    expect(r.problems).toEqual(['service/todo-frontend: no ready endpoint: no ready pod matches its selector, so nothing answers on it']);
  });

  it('a workload that runs no image of the workspace is listed under its own name', () => {
    const s = snapshot();
    s.workloads.push({ kind: 'Deployment', name: 'redis', namespace: NS, images: ['redis:7.4'] });
    s.items.push(deployment('redis', 'redis:7.4') as Snapshot['items'][number], replicaSet('redis') as Snapshot['items'][number]);
    const r = valid(buildReport(s));
    expect(r.apps.find((a) => a.name === 'redis')).toMatchObject({
      project: null,
      image: null,
      workloads: [{ resource: 'deployment/redis', state: 'Available' }],
    });
  });

  it('no release: not installed, not healthy, the fix is a deploy', () => {
    const r = valid(buildReport(snapshot({ info: null, workloads: [], services: [], config: [], items: [] })));
    expect(r.release).toMatchObject({ revision: null, status: 'not installed', upToDate: false });
    expect(r.problems[0]).toBe('release todo-app is not installed in namespace default (context nx-k8s-local). Fix: nx run-many -t deploy');
  });

  it('prints one table per concern, then healthy or the problems', () => {
    const lines = formatReport(buildReport(snapshot({}, 'crashing')));
    expect(lines[0]).toBe('release todo-app (namespace default, context nx-k8s-local): revision 3 deployed; up to date with the workspace');
    expect(lines).toContainEqual(expect.stringMatching(/^APP +IMAGE +IMAGE STATE +IN CLUSTER +BUILT HERE +WORKLOAD +STATE +READY +PODS$/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^backend +todo-backend:nx-2222222222222222 +Loaded +yes +yes +deployment\/todo-backend +Degraded +0\/1 new available/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^secret\/todo-secrets +BETTER_AUTH_SECRET +todo-backend-5d4f-x1,todo-frontend-5d4f-x1$/));
    expect(lines).toContain('NOT healthy (2 problems):');
  });
});

describe('ConfigMap and Secret keys', () => {
  it('are read from a template that prints names only', () => {
    expect(parseConfigKeys('ConfigMap/todo-config ENVIRONMENT LOG_LEVEL\nSecret/todo-secrets\nSecret/tls tls.key tls.crt\n')).toEqual(
      new Map([
        ['ConfigMap/todo-config', ['ENVIRONMENT', 'LOG_LEVEL']],
        ['Secret/todo-secrets', []],
        ['Secret/tls', ['tls.crt', 'tls.key']],
      ]),
    );
  });
});
