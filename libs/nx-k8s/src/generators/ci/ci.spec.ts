// The ci generator on a virtual tree: the workflow's steps and pins, and when it may overwrite.
// tools/tests/ci-workflow.spec.ts runs actionlint on what it writes.
import { Tree, writeJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { parse } from 'yaml';
import { ACTIONS, ciGenerator } from './ci';

const FILE = '.github/workflows/nx-k8s-deploy.yml';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

function workflow(tree: Tree, file = FILE) {
  return parse(tree.read(file, 'utf-8')!) as { on: Record<string, unknown>; permissions: unknown; jobs: { deploy: { steps: Step[] } } };
}

const steps = (tree: Tree) => workflow(tree).jobs.deploy.steps.map((s) => s.run ?? s.uses!.split('@')[0]);

describe('the workflow', () => {
  let tree: Tree;
  beforeAll(async () => {
    tree = createTreeWithEmptyWorkspace();
    await ciGenerator(tree, { skipFormat: true });
  });

  it('runs on pull requests and pushes to the main branch, reading no more than it needs', () => {
    expect(workflow(tree).on).toEqual({ pull_request: null, push: { branches: ['main'] } });
    expect(workflow(tree).permissions).toEqual({ actions: 'read', contents: 'read' });
  });

  it('checks out the whole history, installs, sets the affected SHAs, creates a kind cluster, installs helm, validates, deploys', () => {
    expect(steps(tree)).toEqual([
      'actions/checkout',
      'actions/setup-node',
      'npm ci',
      'nrwl/nx-set-shas',
      'helm/kind-action',
      'azure/setup-helm',
      'npx nx affected -t validate',
      'npx nx affected -t deploy',
    ]);
    const [checkout, node, , shas, kind, helm] = workflow(tree).jobs.deploy.steps;
    expect(checkout.with).toEqual({ 'fetch-depth': 0 });
    expect(node.with).toEqual({ 'node-version': '20', cache: 'npm' });
    expect(shas.with).toEqual({ 'main-branch-name': 'main' });
    expect(kind.with).toEqual({ cluster_name: 'nx-k8s' });
    expect(helm.with).toEqual({ version: 'v3.22.0' });
  });

  it('pins every action to a commit, its release tag beside it', () => {
    const text = tree.read(FILE, 'utf-8')!;
    const uses = [...text.matchAll(/uses: (\S+)@(\S+) # (\S+)/g)].map((m) => ({ repo: m[1], sha: m[2], tag: m[3] }));
    expect(uses).toEqual(Object.values(ACTIONS));
    for (const u of uses) {
      expect(u.sha).toMatch(/^[0-9a-f]{40}$/);
      expect(u.tag).toMatch(/^v\d+\.\d+\.\d+$/);
    }
    expect(text).not.toMatch(/@(main|master|latest)\b/);
  });
});

describe('options', () => {
  it('name, main branch (nx.json defaultBase), versions, and no validate step', async () => {
    const tree = createTreeWithEmptyWorkspace();
    writeJson(tree, 'nx.json', { defaultBase: 'trunk' });
    await ciGenerator(tree, { name: 'deploy', nodeVersion: '22', helmVersion: 'v3.19.2', validate: false, skipFormat: true });
    expect(tree.exists(FILE)).toBe(false);
    const w = workflow(tree, '.github/workflows/deploy.yml');
    expect(w.on).toEqual({ pull_request: null, push: { branches: ['trunk'] } });
    expect(w.jobs.deploy.steps.map((s) => s.run).filter(Boolean)).toEqual(['npm ci', 'npx nx affected -t deploy']);
    expect(w.jobs.deploy.steps.find((s) => s.uses?.startsWith('actions/setup-node'))!.with!['node-version']).toBe('22');
    expect(w.jobs.deploy.steps.find((s) => s.uses?.startsWith('azure/setup-helm'))!.with!.version).toBe('v3.19.2');
  });

  it.each([
    [{ name: 'a/b' }, 'option name "a/b" is not a file name'],
    [{ helmVersion: 'latest' }, 'option helmVersion "latest" is not a helm release'],
  ])('refuses %j', async (options, message) => {
    await expect(ciGenerator(createTreeWithEmptyWorkspace(), { ...options, skipFormat: true })).rejects.toThrow(message);
  });
});

describe('running it again', () => {
  it('with the same options changes nothing, also after the file was reformatted', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await ciGenerator(tree, { skipFormat: true });
    const written = tree.read(FILE, 'utf-8')!;
    await ciGenerator(tree, { skipFormat: true });
    expect(tree.read(FILE, 'utf-8')).toBe(written);
    // Same content, another layout (a formatter's quotes, no comments): kept byte for byte.
    const reformatted = written.replace(/ # v[\d.]+$/gm, '').replace('cache: npm', "cache: 'npm'");
    tree.write(FILE, reformatted);
    await ciGenerator(tree, { skipFormat: true });
    expect(tree.read(FILE, 'utf-8')).toBe(reformatted);
  });

  it('refuses to overwrite a hand-edited workflow, and overwrites it with --force', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await ciGenerator(tree, { skipFormat: true });
    const written = tree.read(FILE, 'utf-8')!;
    const edited = written.replace('timeout-minutes: 45', 'timeout-minutes: 90');
    tree.write(FILE, edited);
    await expect(ciGenerator(tree, { skipFormat: true })).rejects.toThrow(
      `${FILE} exists and differs from the workflow nx-k8s:ci writes (edited by hand, or written with other options). Fix: run with --force`,
    );
    expect(tree.read(FILE, 'utf-8')).toBe(edited);
    await ciGenerator(tree, { force: true, skipFormat: true });
    expect(tree.read(FILE, 'utf-8')).toBe(written);
  });

  it('refuses other options without --force too', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await ciGenerator(tree, { skipFormat: true });
    await expect(ciGenerator(tree, { validate: false, skipFormat: true })).rejects.toThrow('Fix: run with --force');
  });
});
