// Charts that are not ours, unmodified: podinfo (top-level image values, workloads labelled
// by name only, helm test hooks, exec probes) and prometheus-community's alertmanager (a
// StatefulSet, a kubeVersion constraint, a values schema), vendored with their licences
// under fixtures/charts. The apps are the real ones, built from their Go modules. A new
// workspace installs the packed plugin; everything the user writes is a Dockerfile per app
// and a project.json per chart saying which image goes where.
import execa from 'execa';
import { cpSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ClusterView, clusterUp } from './support/cluster';
import { waitFor } from './support/http';
import { minimalWorkspace, packedTarball } from './support/package';
import { alertmanager, podinfo } from './support/upstream-apps';
import { executed, repoRoot, Workspace } from './support/workspace';

const tmp = mkdtempSync(join(tmpdir(), 'nx-k8s-public-charts-'));
const fixtures = join(repoRoot, 'apps/deploy-e2e/fixtures/charts');
const NODE_BASE = 'nx-k8s-base/node:20.20.2-slim-bookworm';
let ws: Workspace;
let cluster: ClusterView;
let kubeconfig: string;

const nx = async (args: string[]) => {
  const run = await ws.nx(args);
  if (run.exitCode !== 0) throw new Error(`nx ${args.join(' ')} exited ${run.exitCode}\n${run.output.slice(-4000)}`);
  return run;
};
const json = async (args: string[]) => JSON.parse(await cluster.kubectl([...args, '-o', 'json']));
const helmEnv = () => ({ ...process.env, KUBECONFIG: kubeconfig, PATH: `/var/cache/nx-k8s/bin:${process.env.PATH}` });
/** The image of the release's ready pods, found by helm's own record of the release (no label assumed). */
const imageRecord = (project: string) => JSON.parse(ws.read(`dist/nx-k8s/${project}/cluster-image.json`)).ref as string;

beforeAll(async () => {
  let containerdAddress: string;
  ({ kubeconfig, containerdAddress } = await clusterUp());
  cluster = new ClusterView(kubeconfig, containerdAddress);
  const [tarball, podinfoDir, alertmanagerDir, dir] = await Promise.all([packedTarball(tmp), podinfo(), alertmanager(), minimalWorkspace(tmp, '23.2.1')]);
  ws = new Workspace(kubeconfig, false, dir);
  const add = await ws.nx(['add', `nx-k8s@file:${tarball}`]);
  if (add.exitCode !== 0) throw new Error(add.output);

  // The apps as their upstream images hold them, on a local Debian base (nothing is pulled).
  cpSync(podinfoDir, join(dir, 'apps/podinfo-server'), { recursive: true });
  ws.write(
    'apps/podinfo-server/Dockerfile',
    `ARG BASE=${NODE_BASE}\nFROM \${BASE}\nWORKDIR /home/app\nCOPY podinfo ./podinfo\nCOPY podcli /usr/local/bin/podcli\nCOPY ui ./ui\nUSER 65534\nCMD ["./podinfo"]\n`,
  );
  cpSync(join(alertmanagerDir, 'alertmanager'), join(dir, 'apps/alertmanager-server/alertmanager'));
  ws.write(
    'apps/alertmanager-server/Dockerfile',
    `ARG BASE=${NODE_BASE}\nFROM \${BASE}\nCOPY alertmanager /bin/alertmanager\nWORKDIR /alertmanager\nUSER 65534\nEXPOSE 9093\nENTRYPOINT ["/bin/alertmanager"]\nCMD ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"]\n`,
  );
  // The charts byte for byte, and what a user says about them beside them.
  for (const chart of ['podinfo', 'alertmanager']) cpSync(join(fixtures, chart), join(dir, 'charts', chart), { recursive: true });
  ws.write(
    'charts/podinfo/project.json',
    JSON.stringify({
      name: 'podinfo',
      targets: {
        'helm-install': {
          options: { images: { image: 'podinfo-server' } },
          // An extra component whose image nobody built or loaded: the deliberately wrong deploy.
          configurations: { 'with-redis': { set: { 'redis.enabled': true } } },
        },
      },
    }) + '\n',
  );
  ws.write(
    'charts/alertmanager/project.json',
    JSON.stringify({
      name: 'alertmanager',
      targets: {
        // The chart's emptyDir instead of a claim (nothing outlives the test release); its test hook on.
        'helm-install': { options: { images: { image: 'alertmanager-server' }, set: { 'persistence.enabled': false, 'testFramework.enabled': true } } },
      },
    }) + '\n',
  );
  ws.commit('podinfo and alertmanager, their upstream charts');
}, 20 * 60_000);

afterAll(async () => {
  for (const release of ['podinfo', 'alertmanager']) await execa('helm', ['uninstall', release, '--wait'], { env: helmEnv(), reject: false });
  rmSync(tmp, { recursive: true, force: true });
});

it('the charts in the workspace are the vendored upstream files, unmodified', async () => {
  for (const chart of ['podinfo', 'alertmanager']) {
    const diff = await execa('diff', ['-r', '-x', 'project.json', join(fixtures, chart), join(ws.dir, 'charts', chart)], { reject: false });
    expect(diff.stdout).toBe('');
  }
});

it(
  'validate renders for the cluster, skips the test hooks and says so, and finds nothing to block the deploy',
  async () => {
    const validated = await nx(['run-many', '-t', 'validate']);
    // The summary lines, findings included, for the record.
    console.log(
      validated.output
        .split('\n')
        .filter((l) => /valid: |violation|warning: /.test(l))
        .join('\n'),
    );
    const kube = ((await json(['version'])).serverVersion.gitVersion as string).replace(/\./g, '\\.');
    // podinfo's tests/*.yaml (random names) and alertmanager's test-connection pod.
    expect(validated.output).toMatch(new RegExp(`valid: chart charts/podinfo .*; Kubernetes ${kube} \\(.*\\); [2-9] helm test hook\\(s\\) skipped`));
    expect(validated.output).toMatch(new RegExp(`valid: chart charts/alertmanager .*; Kubernetes ${kube} \\(.*\\); 1 helm test hook\\(s\\) skipped`));
  },
  10 * 60_000,
);

it(
  'deploys both: images built and loaded, the releases installed and rolled out, a StatefulSet included',
  async () => {
    const first = await nx(['run-many', '-t', 'deploy']);
    expect(executed(first)).toEqual(
      expect.arrayContaining([
        'podinfo-server:docker-build',
        'podinfo-server:minikube-load',
        'podinfo:helm-install',
        'alertmanager-server:docker-build',
        'alertmanager-server:minikube-load',
        'alertmanager:helm-install',
      ]),
    );
    expect(await cluster.release('podinfo')).toEqual({ revision: 1, status: 'deployed' });
    expect(await cluster.release('alertmanager')).toEqual({ revision: 1, status: 'deployed' });
    // Rolled out when the task ended: nothing left to wait for.
    const deployment = await json(['get', 'deployment', 'podinfo']);
    expect(deployment.spec.template.metadata.labels).not.toHaveProperty(['app.kubernetes.io/instance']);
    expect(deployment.status.availableReplicas).toBe(1);
    expect(deployment.spec.template.spec.containers[0].image).toBe(imageRecord('podinfo-server'));
    const sts = await json(['get', 'statefulset', 'alertmanager']);
    expect(sts.status.readyReplicas).toBe(1);
    expect(sts.status.currentRevision).toBe(sts.status.updateRevision);
    expect(sts.spec.template.spec.containers[0].image).toBe(imageRecord('alertmanager-server'));
  },
  20 * 60_000,
);

it(
  'a second run is all cache hits and leaves both releases alone',
  async () => {
    const run = await nx(['run-many', '-t', 'deploy']);
    expect(executed(run)).toEqual([]);
    expect(await cluster.release('podinfo')).toEqual({ revision: 1, status: 'deployed' });
    expect(await cluster.release('alertmanager')).toEqual({ revision: 1, status: 'deployed' });
  },
  10 * 60_000,
);

it(
  'port-forward, discovered from each release, answers with the real apps',
  async () => {
    for (const [release, path, says] of [
      ['podinfo', '/version', /"version":\s*"6\.9\.2"/],
      ['alertmanager', '/api/v2/status', /"cluster":/],
    ] as const) {
      const run = ws.start(['run', `${release}:port-forward`]);
      try {
        await ws.until(run, `${release}'s open line`, /open: (.+)/, 5 * 60_000);
        const open = /open: (.+)/.exec(run.output)![1];
        const url = new RegExp(`(http://127\\.0\\.0\\.1:\\d+) \\(${release}\\)`).exec(open)?.[1];
        if (!url) throw new Error(`no forward of service ${release} in: ${open}`);
        expect(await (await fetch(`${url}${path}`)).text()).toMatch(says);
      } finally {
        process.kill(-run.child.pid!, 'SIGINT');
        await ws.finish(run);
      }
    }
  },
  10 * 60_000,
);

it(
  'a StatefulSet deleted by hand is not "in sync": the next deploy puts it back',
  async () => {
    await cluster.kubectl(['delete', 'statefulset', 'alertmanager', '--wait=true']);
    const run = await nx(['run-many', '-t', 'deploy']);
    expect(executed(run)).toEqual(['alertmanager:helm-install']);
    expect(await cluster.release('alertmanager')).toEqual({ revision: 2, status: 'deployed' });
    expect((await json(['get', 'statefulset', 'alertmanager'])).status.readyReplicas).toBe(1);
  },
  10 * 60_000,
);

it(
  'an image nobody loaded fails the deploy with the image-pull diagnosis and rolls back',
  async () => {
    const run = await ws.nx(['run', 'podinfo:helm-install:with-redis']);
    expect(run.exitCode).not.toBe(0);
    expect(run.output).toMatch(/pod\/podinfo-redis-[\w-]+: (ErrImagePull|ImagePullBackOff): image redis:7\.0\.7 is not in the cluster/);
    expect(run.output).toMatch(/rolled back to revision 1/);
    expect(await cluster.release('podinfo')).toEqual({ revision: 3, status: 'deployed' });
    await waitFor('the redis Deployment gone with the rollback', async () =>
      (await execa('kubectl', ['get', 'deployment', 'podinfo-redis'], { env: helmEnv(), reject: false })).exitCode !== 0 ? true : undefined,
    );
    await waitFor('podinfo available again', async () => ((await json(['get', 'deployment', 'podinfo'])).status.availableReplicas === 1 ? true : undefined));
  },
  10 * 60_000,
);
