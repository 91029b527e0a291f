// The helm the setup provides renders as the official release does: its version is the pinned
// one and .Capabilities.KubeVersion is the Kubernetes version of its client-go, not the v1.20.0
// a plain `go install` leaves, so charts with a kubeVersion constraint render without a cluster.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { runOk, WORKSPACE } from './support/workspace';

const tmp = mkdtempSync(join(tmpdir(), 'workspace-tests-helm-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const pinned = /^HELM_VERSION="(v[\d.]+)"$/m.exec(readFileSync(join(WORKSPACE, 'tools/setup/lib.sh'), 'utf-8'))![1];

function chart(kubeVersion: string): string {
  const dir = join(tmp, `chart-${kubeVersion.replace(/\W/g, '')}`);
  mkdirSync(join(dir, 'templates'), { recursive: true });
  writeFileSync(join(dir, 'Chart.yaml'), `apiVersion: v2\nname: capabilities\nversion: 0.1.0\nkubeVersion: "${kubeVersion}"\n`);
  writeFileSync(
    join(dir, 'templates/cm.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: caps }\ndata:\n  kube: {{ .Capabilities.KubeVersion.Version | quote }}\n',
  );
  return dir;
}

test('helm version is the pinned release, with a clean tree', async () => {
  const v = await runOk('helm', ['version', '--template', '{{.Version}} {{.GitTreeState}}']);
  expect(v.stdout.trim()).toBe(`${pinned} clean`);
});

test('.Capabilities.KubeVersion is the Kubernetes version of helm client-go, so kubeVersion >=1.23 charts render', async () => {
  const out = await runOk('helm', ['template', 'caps', chart('>=1.23.0-0')]);
  const kube = /kube: "v1\.(\d+)\.\d+"/.exec(out.stdout);
  expect(kube).not.toBeNull();
  expect(Number(kube![1])).toBeGreaterThanOrEqual(30);
});

test('a kubeVersion no Kubernetes of the build satisfies is still refused (the check is live)', async () => {
  await expect(runOk('helm', ['template', 'caps', chart('<1.21.0-0')])).rejects.toThrow(/incompatible with Kubernetes v1\.\d+/);
});
