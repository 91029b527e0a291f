// A private copy of the real charts and Dockerfiles in a temp directory (a git repository), for
// the corpus: each case breaks one thing in its own copy and validates it with the real helm.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { basename, dirname, join, resolve } from 'path';
import execa from 'execa';
import { trackedFiles } from '../../adapters/git';
import { Helm } from '../../adapters/helm';
import { run } from '../../adapters/run';
import { ValidationSpec, ValidationTools } from '..';

/** The repository this file is in. */
export const WORKSPACE = resolve(__dirname, '../../../../..');

/** helm from tools/setup/helm.sh first, as the plugin finds it on PATH; a missing helm fails the specs. */
export function helmOnPath(): void {
  const bin = join(process.env.NX_K8S_CACHE ?? '/var/cache/nx-k8s', 'bin');
  if (!(process.env.PATH ?? '').split(':').includes(bin)) process.env.PATH = `${bin}:${process.env.PATH}`;
}

const COPIED = [
  'charts/todo-app',
  'charts/frontend',
  'charts/backend',
  'docker/frontend.Dockerfile',
  'docker/frontend.Dockerfile.dockerignore',
  'docker/backend.Dockerfile',
  'docker/backend.Dockerfile.dockerignore',
];

export class Workspace {
  readonly root = mkdtempSync(join(tmpdir(), 'nx-k8s-validate-case-'));

  constructor() {
    for (const p of COPIED) {
      cpSync(join(WORKSPACE, p), join(this.root, p), {
        recursive: true,
        // Chart sources only: not the Nx project's tests and tooling, not packages built in place.
        filter: (src) =>
          !['tests', 'node_modules', 'scripts', 'project.json', 'jest.config.ts', 'tsconfig.spec.json'].includes(basename(src)) &&
          !src.endsWith('.tgz') &&
          !src.endsWith('.nx-k8s-dependencies'),
      });
    }
  }

  read(file: string): string {
    return readFileSync(join(this.root, file), 'utf8');
  }

  write(file: string, text: string): void {
    mkdirSync(dirname(join(this.root, file)), { recursive: true });
    writeFileSync(join(this.root, file), text);
  }

  /** Replaces text that must be there: a mutation that no longer applies fails its case. */
  edit(file: string, from: string | RegExp, to: string): void {
    const text = this.read(file);
    if (typeof from === 'string' ? !text.includes(from) : !from.test(text)) throw new Error(`mutation does not apply: ${String(from)} is not in ${file}`);
    this.write(file, text.replace(from, to));
  }

  remove(file: string): void {
    rmSync(join(this.root, file), { recursive: true, force: true });
  }

  /** Commits nothing, tracks everything that is not git-ignored: what git ls-files answers is all the rule asks. */
  async track(): Promise<void> {
    await execa('git', ['init', '-q'], { cwd: this.root });
    await execa('git', ['add', '-A'], { cwd: this.root });
  }

  spec(): ValidationSpec {
    return {
      root: this.root,
      chart: 'charts/todo-app',
      release: 'todo-app',
      namespace: 'default',
      configurations: { dev: ['values-dev.yaml'], prod: ['values-prod.yaml'] },
      dockerfiles: [
        { file: 'docker/frontend.Dockerfile', listedBy: 'option dockerfile of frontend:docker-build' },
        { file: 'docker/backend.Dockerfile', listedBy: 'option dockerfile of backend:docker-build' },
      ],
      repositories: [
        { project: 'backend', projectFile: 'apps/backend/project.json', repository: 'todo-backend' },
        { project: 'frontend', projectFile: 'apps/frontend/project.json', repository: 'todo-frontend' },
      ],
      rulesOff: new Map(),
      strictSubcharts: false,
    };
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** The real tools: helm template and git ls-files through the adapters. */
export function realTools(root: string): ValidationTools {
  const helm = new Helm(run, '');
  return { template: (...args) => helm.template(...args), tracked: (paths) => trackedFiles(run, root, paths) };
}
