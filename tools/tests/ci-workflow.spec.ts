// The workflow `nx g nx-k8s:ci` writes passes actionlint, the pinned build of
// tools/setup/actionlint.sh; a broken workflow does not, so a linter that is missing or reports
// nothing fails here too.
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ciGenerator } from '../../libs/nx-k8s/src/generators/ci/ci';
import { CiGeneratorSchema } from '../../libs/nx-k8s/src/generators/ci/schema';
import { Result, run } from './support/workspace';

const ACTIONLINT = join(process.env.NX_K8S_CACHE ?? '/var/cache/nx-k8s', 'bin', 'actionlint');

const tmp = mkdtempSync(join(tmpdir(), 'workspace-tests-ci-workflow-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

beforeAll(() => {
  if (!existsSync(ACTIONLINT)) throw new Error(`${ACTIONLINT} does not exist. Fix: run bash tools/setup/actionlint.sh`);
});

async function generated(options: CiGeneratorSchema): Promise<{ file: string; text: string }> {
  const tree = createTreeWithEmptyWorkspace();
  await ciGenerator(tree, { ...options, skipFormat: true });
  const file = `.github/workflows/${options.name ?? 'nx-k8s-deploy'}.yml`;
  return { file, text: tree.read(file, 'utf-8')! };
}

/** actionlint on one workflow, in a repository of its own. */
function lint(name: string, text: string): Promise<Result> {
  const dir = join(tmp, name);
  mkdirSync(join(dir, '.github/workflows'), { recursive: true });
  writeFileSync(join(dir, '.github/workflows/workflow.yml'), text);
  return run(ACTIONLINT, ['-no-color', '.github/workflows/workflow.yml'], { cwd: dir });
}

describe('actionlint', () => {
  it.each<[string, CiGeneratorSchema]>([
    ['the defaults', {}],
    ['no validate step, another main branch and versions', { name: 'deploy', validate: false, mainBranch: 'trunk', nodeVersion: '22', helmVersion: 'v3.19.2' }],
  ])('passes the workflow written with %s: exit 0, nothing printed', async (name, options) => {
    const { text } = await generated(options);
    const r = await lint(name.replace(/\W+/g, '-'), text);
    expect(r).toEqual({ exitCode: 0, stdout: '', stderr: '' });
  });

  it.each([
    ['an action without a version', (t: string) => t.replace(/(uses: actions\/checkout)@\S+/, '$1'), /actions\/checkout.*ref is missing/],
    ['an undefined expression context', (t: string) => t.replace('${{ github.ref }}', '${{ gihtub.ref }}'), /undefined variable "gihtub"/],
    ['a job without runs-on', (t: string) => t.replace(/^ {4}runs-on: .*\n/m, ''), /"runs-on" section is missing in job "deploy"/],
  ])('refuses a workflow with %s', async (name, mutate, message) => {
    const { text } = await generated({});
    const broken = mutate(text);
    expect(broken).not.toBe(text);
    const r = await lint(name.replace(/\W+/g, '-'), broken);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(message);
  });
});
