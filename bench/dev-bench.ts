// Edit-to-served times of the developer loop, `nx run todo-app:dev`, against the naive loop in
// the same run on the same machine: after each save, bench/naive-deploy.sh (both images built,
// both loaded, helm upgrade --wait) and a fresh `kubectl port-forward`, started at the save
// (no watcher, no debounce: in the naive loop's favour). Three edits, each N times:
//   - frontend: a new heading in apps/frontend/app/page.tsx, served when the page shows it;
//   - backend: a new field in /health (apps/backend/todo_api/app.py), served when /health has it;
//   - values: global.config.LOG_LEVEL in values-dev.yaml, served when the release's revision
//     has moved on and the forwarded backend answers /health.
// Usage: node -r @swc-node/register bench/dev-bench.ts [runs=3]
import execa from 'execa';
import { appendFileSync, mkdirSync } from 'fs';
import { join } from 'path';
import { ClusterView, clusterUp } from '../apps/deploy-e2e/src/support/cluster';
import { waitFor } from '../apps/deploy-e2e/src/support/http';
import { Workspace } from '../apps/deploy-e2e/src/support/workspace';
import { median } from './lib/timing';

const runs = Number(process.argv[2] ?? 3);

interface Edit {
  name: string;
  /** Makes edit number i; returns the check that it is served at a base URL pair. */
  apply(ws: Workspace, i: number, tag: string): (urls: { frontend: string; backend: string }) => Promise<boolean>;
}

const text = async (url: string) => {
  const r = await fetch(url).catch(() => null);
  return r && r.status === 200 ? await r.text() : '';
};

function edits(cluster: ClusterView): Edit[] {
  return [
    {
      name: 'frontend edit',
      apply(ws, i, tag) {
        const file = 'apps/frontend/app/page.tsx';
        ws.write(file, ws.read(file).replace(/<h1>Todos[^<]*<\/h1>/, `<h1>Todos ${tag}-${i}</h1>`));
        return async (u) => (await text(u.frontend)).includes(`Todos ${tag}-${i}`);
      },
    },
    {
      name: 'backend edit',
      apply(ws, i, tag) {
        const file = 'apps/backend/todo_api/app.py';
        ws.write(file, ws.read(file).replace(/"database": "ok"(, "edit": "[^"]*")?\}/, `"database": "ok", "edit": "${tag}-${i}"}`));
        return async (u) => (await text(`${u.backend}/health`)).includes(`"edit":"${tag}-${i}"`);
      },
    },
    {
      name: 'values edit',
      apply(ws, i) {
        const file = 'charts/todo-app/values-dev.yaml';
        const before = cluster.release();
        ws.write(file, ws.read(file).replace(/LOG_LEVEL: \w+/, `LOG_LEVEL: ${i % 2 ? 'debug' : 'info'}`));
        return async (u) => {
          const [was, now] = await Promise.all([before, cluster.release()]);
          return !!was && !!now && now.revision > was.revision && now.status === 'deployed' && (await text(`${u.backend}/health`)).includes('"ok"');
        };
      },
    },
  ];
}

async function main() {
  const { kubeconfig, containerdAddress } = await clusterUp();
  const cluster = new ClusterView(kubeconfig, containerdAddress);
  const ws = new Workspace(kubeconfig);
  const results: Record<string, { dev: number[]; naive: number[] }> = {};
  const served = async (check: (u: { frontend: string; backend: string }) => Promise<boolean>, urls: { frontend: string; backend: string }) =>
    waitFor('the edit served', async () => ((await check(urls)) ? Date.now() : undefined), 900_000, 100);
  try {
    // The loop under test: dev, warmed up by its first cycle.
    const dev = ws.start(['run', 'todo-app:dev']);
    await ws.until(dev, 'the first cycle', /cycle 1 \(start\) deployed/, 900_000);
    await ws.until(dev, 'the forwards', /open: /);
    const record = JSON.parse(ws.read('dist/nx-k8s/todo-app/forwards.json')) as { urls: Record<string, string> };
    const devUrls = { frontend: record.urls['todo-frontend'], backend: record.urls['todo-backend'] };
    let cycles = 1;
    for (let i = 0; i < runs; i++)
      for (const e of edits(cluster)) {
        const t0 = Date.now();
        const at = await served(e.apply(ws, i, 'dev'), devUrls);
        cycles++;
        // The next edit starts once this cycle has ended (a save during a cycle waits for it).
        await ws.until(dev, `cycle ${cycles}`, new RegExp(`cycle ${cycles} \\(.*\\) (deployed in|failed after)`), 900_000);
        (results[e.name] ??= { dev: [], naive: [] }).dev.push((at - t0) / 1000);
        console.log(`dev   ${e.name}: ${((at - t0) / 1000).toFixed(1)} s`);
      }
    process.kill(-dev.child.pid!, 'SIGINT');
    await ws.finish(dev);

    // The naive loop: deploy everything, then forward again (the old kubectl lost its pod).
    const env = { ...ws.env, NAIVE_TAG: 'naive' };
    const forward = (svc: string, port: number) =>
      execa('kubectl', ['port-forward', `svc/${svc}`, `${port}:${svc === 'todo-frontend' ? 3000 : 8000}`], { env: ws.env, reject: false });
    const naiveUrls = { frontend: 'http://127.0.0.1:13000', backend: 'http://127.0.0.1:18000' };
    for (let i = 0; i < runs; i++)
      for (const e of edits(cluster)) {
        const t0 = Date.now();
        const check = e.apply(ws, i, 'naive');
        await execa('bash', [join(__dirname, 'naive-deploy.sh')], { cwd: ws.dir, env: { ...env, NAIVE_TAG: `naive-${e.name.split(' ')[0]}-${i}` } });
        const pf = [forward('todo-frontend', 13000), forward('todo-backend', 18000)];
        try {
          const at = await served(check, naiveUrls);
          results[e.name].naive.push((at - t0) / 1000);
          console.log(`naive ${e.name}: ${((at - t0) / 1000).toFixed(1)} s`);
        } finally {
          pf.forEach((p) => p.kill('SIGTERM'));
          await Promise.all(pf);
        }
      }

    const f = (x: number) => x.toFixed(1);
    const report = [
      `edit to served, runs per edit: ${runs} (medians)`,
      ...Object.entries(results).map(
        ([name, r]) =>
          `${name.padEnd(14)} dev ${f(median(r.dev))} s   naive ${f(median(r.naive))} s   ratio naive/dev ${(median(r.naive) / median(r.dev)).toFixed(2)}x`,
      ),
      `raw: ${JSON.stringify(results)}`,
    ].join('\n');
    console.log(`\n${report}`);
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    appendFileSync(join(__dirname, 'results', 'latest.txt'), `${new Date().toISOString()} dev-bench\n${report}\n\n`);
  } finally {
    ws.remove();
  }
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
