import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { run } from '../adapters/run';
import { CycleResult } from './cycle';
import { Graph, matcher, staticPrefix, tasksOf, watchPatterns } from './inputs';
import { describeCycle } from './report';
import { WorkspaceWatcher } from './watch';

// The todo app's shape: a release deploying two image projects, one of which uses a library.
const graph: Graph = {
  projects: {
    shop: {
      root: 'charts/shop',
      targets: {
        validate: { executor: 'nx-k8s:validate', inputs: ['{projectRoot}/**/*', '!{projectRoot}/**/tests/**/*', '^default'] },
        'helm-install': {
          executor: 'nx-k8s:helm-install',
          dependsOn: ['validate', '^minikube-load'],
          inputs: ['{projectRoot}/**/*', '{workspaceRoot}/charts/sub/**/*', { dependentTasksOutputFiles: '**/cluster-image.json', transitive: true }],
        },
        deploy: { executor: 'nx:noop', dependsOn: ['helm-install'] },
      },
    },
    web: {
      root: 'apps/web',
      targets: {
        'docker-build': {
          executor: 'nx-k8s:docker-build',
          inputs: ['{projectRoot}/**/*', '!{projectRoot}/.next/**/*', '{workspaceRoot}/docker/web.Dockerfile'],
        },
        'minikube-load': { executor: 'nx-k8s:minikube-load', dependsOn: ['docker-build'] },
      },
    },
    api: {
      root: 'apps/api',
      targets: {
        'docker-build': { executor: 'nx-k8s:docker-build', inputs: ['production', '^production'] },
        'minikube-load': { executor: 'nx-k8s:minikube-load', dependsOn: ['docker-build'] },
      },
    },
    util: { root: 'libs/util', targets: {} },
  },
  dependencies: { shop: ['web', 'api'], api: ['util'], web: [], util: [] },
  namedInputs: { default: ['{projectRoot}/**/*'], production: ['default', '!{projectRoot}/**/*.spec.ts'] },
};

describe('what dev watches', () => {
  it("follows deploy's dependsOn as Nx does: the release's stages and each image's build and load", () => {
    expect(tasksOf({ project: 'shop', target: 'deploy' }, graph).map((t) => `${t.project}:${t.target}`)).toEqual([
      'shop:validate',
      'web:docker-build',
      'web:minikube-load',
      'api:docker-build',
      'api:minikube-load',
      'shop:helm-install',
      'shop:deploy',
    ]);
  });

  it('watches the file inputs Nx hashes for them, named inputs expanded through the dependencies', () => {
    const patterns = watchPatterns(tasksOf({ project: 'shop', target: 'deploy' }, graph), graph);
    expect(patterns.sort()).toEqual(
      [
        'charts/shop/**/*',
        '!charts/shop/**/tests/**/*',
        'apps/web/**/*',
        'apps/api/**/*',
        'charts/sub/**/*',
        '!apps/web/.next/**/*',
        'docker/web.Dockerfile',
        '!apps/api/**/*.spec.ts',
        'libs/util/**/*',
        '!libs/util/**/*.spec.ts',
      ].sort(),
    );
    const matches = matcher(patterns);
    expect(['apps/web/app/page.tsx', 'docker/web.Dockerfile', 'libs/util/index.ts', 'charts/sub/values.yaml'].filter(matches)).toHaveLength(4);
    expect(['apps/web/.next/server/x.js', 'README.md', 'docker/api.Dockerfile', 'libs/util/a.spec.ts'].filter(matches)).toEqual([]);
    expect(staticPrefix('apps/web/**/*')).toBe('apps/web');
    expect(staticPrefix('docker/web.Dockerfile')).toBe('docker/web.Dockerfile');
  });
});

describe('WorkspaceWatcher (real files, real git)', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nx-k8s-watch-'));
    execFileSync('git', ['init', '-q'], { cwd: root });
    mkdirSync(join(root, 'apps/web/app'), { recursive: true });
    mkdirSync(join(root, 'apps/web/node_modules/dep'), { recursive: true });
    mkdirSync(join(root, 'docs'), { recursive: true });
    writeFileSync(join(root, '.gitignore'), 'node_modules\n*.log\n');
    writeFileSync(join(root, 'apps/web/app/page.tsx'), 'one');
    writeFileSync(join(root, 'apps/web/node_modules/dep/index.js'), '');
    writeFileSync(join(root, 'docs/readme.md'), '');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const watching = async (debounceMs = 150) => {
    const bursts: string[][] = [];
    const w = new WorkspaceWatcher(
      { root, patterns: ['apps/web/**/*'], debounceMs },
      run,
      (f) => bursts.push(f),
      (m) => bursts.push([`error ${m}`]),
    );
    const counts = await w.start();
    return { w, bursts, counts };
  };
  const settle = (ms = 600) => new Promise((r) => setTimeout(r, ms));

  it('reports a burst of saves once, and nothing for ignored or unwatched files', async () => {
    const { w, bursts, counts } = await watching();
    // apps/web, apps/web/app, apps and the root: never node_modules.
    expect(counts).toEqual({ files: 1, dirs: 4 });
    for (let i = 0; i < 5; i++) writeFileSync(join(root, 'apps/web/app/page.tsx'), `save ${i}`);
    writeFileSync(join(root, 'apps/web/app/debug.log'), 'x');
    writeFileSync(join(root, 'apps/web/node_modules/dep/index.js'), 'x');
    writeFileSync(join(root, 'docs/readme.md'), 'x');
    await settle();
    expect(bursts).toEqual([['apps/web/app/page.tsx']]);
    w.close();
  });

  it('watches a directory created later, and a file saved in it; an empty or ignored directory is no change', async () => {
    const { w, bursts } = await watching();
    mkdirSync(join(root, 'apps/web/app/new'));
    await settle();
    writeFileSync(join(root, 'apps/web/app/new/part.tsx'), 'x');
    await settle();
    // What helm dependency build does: a temporary directory of ignored files, renamed into place.
    writeFileSync(join(root, '.gitignore'), 'node_modules\n*.log\n*.tgz\n');
    mkdirSync(join(root, 'apps/web/tmpcharts-1'));
    writeFileSync(join(root, 'apps/web/tmpcharts-1/sub-0.1.0.tgz'), 'x');
    renameSync(join(root, 'apps/web/tmpcharts-1'), join(root, 'apps/web/charts'));
    await settle();
    rmSync(join(root, 'apps/web/app/page.tsx'));
    await settle();
    expect(bursts).toEqual([['apps/web/app/new/part.tsx'], ['apps/web/app/page.tsx']]);
    w.close();
  });
});

describe('the cycle line', () => {
  const result = (r: Partial<CycleResult>): CycleResult => ({ ok: true, seconds: 21.04, outcomes: [], tail: [], stopped: false, ...r });
  const stages = ['web:docker-build', 'web:minikube-load', 'api:docker-build', 'api:minikube-load', 'shop:validate', 'shop:helm-install'];

  it('says what each stage did and what came from the cache', () => {
    const outcomes = [
      { task: 'web:docker-build', result: 'built', seconds: 15.2 },
      { task: 'web:minikube-load', result: 'loaded', seconds: 3.1 },
      { task: 'shop:helm-install', result: 'upgraded', seconds: 2.45 },
    ];
    expect(describeCycle(2, ['apps/web/app/page.tsx'], result({ outcomes }), stages)).toBe(
      "cycle 2 (apps/web/app/page.tsx) deployed in 21.0 s: web:docker-build built (15.2 s), web:minikube-load loaded (3.1 s), shop:helm-install upgraded (2.5 s); from Nx's cache: api:docker-build, api:minikube-load, shop:validate",
    );
  });

  it("gives the failed stage's own line, and says the release keeps serving", () => {
    const outcomes = [{ task: 'shop:validate', result: 'failed', seconds: 1, message: '1 violation(s) in charts/shop' }];
    expect(describeCycle(3, ['a', 'b', 'c', 'd', 'e'], result({ ok: false, seconds: 4, outcomes }), stages)).toBe(
      'cycle 3 (a, b, c and 2 more) failed after 4.0 s: shop:validate: 1 violation(s) in charts/shop. The release keeps serving what it ran before; the next save starts another cycle',
    );
    expect(describeCycle(4, null, result({ ok: false, seconds: 1, tail: ['', 'NX   Could not find project "x"'] }), stages)).toMatch(
      /^cycle 4 \(start\) failed after 1\.0 s: nx exited with an error: NX {3}Could not find project "x"\./,
    );
  });
});
