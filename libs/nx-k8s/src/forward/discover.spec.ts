// Discovery from manifests as helm stores them: the todo app's (captured with the real helm 3.22:
// `helm template todo-app charts/todo-app -f charts/todo-app/values-dev.yaml`, which prints what
// `helm get manifest` returns after the install) and one shaped like a public chart's.
import { readFileSync } from 'fs';
import { forwardAddress } from './messages';
import { join } from 'path';
import { parseManifest } from '../adapters/helm';
import { describeDiscovered, discoverForwards, releaseForwards } from './discover';

const todoApp = parseManifest(readFileSync(join(__dirname, '__fixtures__', 'todo-app-dev.manifest.yaml'), 'utf8'));

// Like bitnami/kube-prometheus-style charts: named ports, probes on another port, a headless
// Service beside the normal one, a metrics Service whose selector matches no workload here.
const publicChart = parseManifest(`
---
# Source: web/templates/service.yaml
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app.kubernetes.io/name: web, app.kubernetes.io/instance: shop }
  ports:
    - { name: metrics, port: 9113, targetPort: metrics }
    - { name: http, port: 80, targetPort: http }
    - { name: dns, port: 53, targetPort: 53, protocol: UDP }
---
apiVersion: v1
kind: Service
metadata: { name: db-hl }
spec:
  clusterIP: None
  selector: { app.kubernetes.io/name: db }
  ports: [{ name: tcp-postgresql, port: 5432, targetPort: tcp-postgresql }]
---
apiVersion: v1
kind: Service
metadata: { name: db }
spec:
  type: ClusterIP
  selector: { app.kubernetes.io/name: db }
  ports: [{ name: tcp-postgresql, port: 5432, targetPort: tcp-postgresql }]
---
apiVersion: v1
kind: Service
metadata: { name: api }
spec:
  selector: { app: api }
  ports: [{ port: 8000 }]
---
apiVersion: v1
kind: Service
metadata: { name: exporter, namespace: monitoring }
spec:
  selector: { app: exporter }
  ports: [{ port: 9100, targetPort: 9100 }]
---
apiVersion: v1
kind: Service
metadata: { name: upstream }
spec:
  type: ExternalName
  externalName: example.com
  ports: [{ port: 443 }]
---
apiVersion: v1
kind: Service
metadata: { name: by-hand-endpoints }
spec:
  ports: [{ port: 8080 }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  selector: { matchLabels: { app.kubernetes.io/name: web, app.kubernetes.io/instance: shop } }
  template:
    metadata: { labels: { app.kubernetes.io/name: web, app.kubernetes.io/instance: shop, app.kubernetes.io/version: "1.2.3" } }
    spec:
      containers:
        - name: nginx
          ports: [{ name: http, containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /healthz, port: http } }
        - name: exporter
          ports: [{ name: metrics, containerPort: 9113 }]
          readinessProbe: { httpGet: { path: /metrics, port: 8080 } }
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db }
spec:
  serviceName: db-hl
  selector: { matchLabels: { app.kubernetes.io/name: db } }
  template:
    metadata: { labels: { app.kubernetes.io/name: db } }
    spec:
      containers:
        - name: postgresql
          ports: [{ name: tcp-postgresql, containerPort: 5432 }]
          readinessProbe: { exec: { command: [/bin/sh, -c, pg_isready] } }
---
apiVersion: v1
kind: Pod
metadata: { name: api, labels: { app: api } }
spec:
  containers:
    - name: api
      ports: [{ name: http, containerPort: 8000 }]
      readinessProbe: { httpGet: { port: http } }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: web-config }
data: { a: b }
`);

const tcp = (service: string, port: number, namespace = 'shop') => ({ service, namespace, remotePort: port, localPort: port, healthPath: null });

describe('discoverForwards', () => {
  it("forwards the todo app's two Services with the readiness paths of their Deployments", () => {
    expect(discoverForwards(todoApp, 'default')).toEqual([
      { service: 'todo-backend', namespace: 'default', remotePort: 8000, localPort: 8000, healthPath: '/health' },
      { service: 'todo-frontend', namespace: 'default', remotePort: 3000, localPort: 3000, healthPath: '/api/health' },
    ]);
  });

  it('reads a public-like chart: named ports, multi-port, headless, no matching workload, other namespace', () => {
    expect(discoverForwards(publicChart, 'shop')).toEqual([
      // Pod with a probe on a named port and no path: "/" as Kubernetes defaults it; no targetPort = the port.
      { service: 'api', namespace: 'shop', remotePort: 8000, localPort: 8000, healthPath: '/' },
      // exec readiness probe: TCP, for the headless Service as for the normal one.
      tcp('db', 5432),
      tcp('db-hl', 5432),
      // No workload of the release in namespace monitoring has label app=exporter.
      tcp('exporter', 9100, 'monitoring'),
      // targetPort http -> 8080, probed on http; the UDP port is left out.
      { service: 'web', namespace: 'shop', remotePort: 80, localPort: 80, healthPath: '/healthz' },
      // targetPort metrics -> 9113, whose container's readiness probe targets 8080: TCP.
      tcp('web', 9113),
    ]);
  });

  it('does not depend on the order of the documents', () => {
    expect(discoverForwards([...publicChart].reverse(), 'shop')).toEqual(discoverForwards(publicChart, 'shop'));
    expect(discoverForwards([...todoApp].reverse(), 'default')).toEqual(discoverForwards(todoApp, 'default'));
  });

  it('checks over TCP when the pods behind a Service disagree on the path, or probe over HTTPS', () => {
    const deployment = (name: string, readinessProbe: object) => ({
      kind: 'Deployment',
      metadata: { name },
      spec: {
        template: {
          metadata: { labels: { app: 'x', variant: name } },
          spec: { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 80 }], readinessProbe }] },
        },
      },
    });
    const service = { kind: 'Service', metadata: { name: 'x' }, spec: { selector: { app: 'x' }, ports: [{ port: 80, targetPort: 'http' }] } };
    const probe = (path: string, scheme?: string) => ({ httpGet: { path, port: 'http', scheme } });
    expect(discoverForwards([service, deployment('a', probe('/ready')), deployment('b', probe('/ready'))], 'n')[0].healthPath).toBe('/ready');
    expect(discoverForwards([service, deployment('a', probe('/ready')), deployment('b', probe('/up'))], 'n')[0].healthPath).toBeNull();
    expect(discoverForwards([service, deployment('a', probe('/ready', 'HTTPS'))], 'n')[0].healthPath).toBeNull();
  });
});

it('shows an http:// URL for a port the Service names http (or whose appProtocol is http) even when only TCP checks it', () => {
  const pod = {
    kind: 'Pod',
    metadata: { name: 'p', labels: { app: 'x' } },
    spec: { containers: [{ name: 'c', readinessProbe: { exec: { command: ['check'] } } }] },
  };
  const service = {
    kind: 'Service',
    metadata: { name: 'x' },
    spec: {
      selector: { app: 'x' },
      ports: [
        { name: 'http', port: 9898 },
        { name: 'grpc', port: 9999 },
        { name: 'web', port: 8080, appProtocol: 'http' },
        { name: 'https', port: 8443 },
      ],
    },
  };
  const forwards = discoverForwards([service, pod], 'n');
  expect(forwards.map((f) => [f.remotePort, f.healthPath, forwardAddress(f)])).toEqual([
    [8080, null, 'http://127.0.0.1:8080'],
    [8443, null, '127.0.0.1:8443'],
    [9898, null, 'http://127.0.0.1:9898'],
    [9999, null, '127.0.0.1:9999'],
  ]);
});

describe('releaseForwards', () => {
  const ref = { release: 'shop', namespace: 'shop', context: 'kind-dev', project: 'shop-chart', target: 'port-forward' };

  it('is the discovered forwards when there are some', () => {
    expect(releaseForwards(publicChart, ref)).toEqual(discoverForwards(publicChart, 'shop'));
  });

  it('says in one line that the release does not exist, and how to fix it', () => {
    expect(() => releaseForwards(null, ref)).toThrow(
      new Error(
        'release shop is not installed in namespace shop (kube context kind-dev; helm get manifest: release: not found), so there is nothing to forward. ' +
          'Fix: deploy it (nx run shop-chart:helm-install), or set options release and namespace of shop-chart:port-forward to an installed release (helm list -A)',
      ),
    );
  });

  it('says in one line that the release has nothing to forward, and to give option forwards', () => {
    const onlyConfig = publicChart.filter((d) => !['web', 'db', 'db-hl', 'api', 'exporter'].includes((d as { metadata: { name: string } }).metadata.name));
    expect(() => releaseForwards(onlyConfig, ref)).toThrow(
      new Error(
        'release shop in namespace shop has no Service with a TCP port that kubectl can forward (ExternalName Services and Services without a selector cannot be). ' +
          'Fix: give option forwards of shop-chart:port-forward ([{ "service": "<name>", "port": <port>, "healthPath": "/" }])',
      ),
    );
  });
});

it('describes what was discovered and how each forward is checked', () => {
  expect(describeDiscovered(discoverForwards(todoApp, 'default'), 'todo-app')).toBe(
    'forwards of release todo-app (no option forwards): svc/todo-backend:8000 (readiness /health), svc/todo-frontend:3000 (readiness /api/health)',
  );
  expect(describeDiscovered([tcp('db', 5432)], 'shop')).toBe('forwards of release shop (no option forwards): svc/db:5432 (TCP)');
});
