import { DOCKERIGNORE, HELMIGNORE, inputsFromIgnoreFile, PathKind } from './ignore-inputs';

const disk: Record<string, 'file' | 'directory'> = { 'package.json': 'file', 'apps/web': 'directory', 'apps/web/project.json': 'file' };
const kind: PathKind = (p) => disk[p] ?? null;

describe('inputs from an ignore file', () => {
  it('an allowlist (* first) becomes the allowed paths minus the later exclusions', () => {
    expect(inputsFromIgnoreFile('.', '# comment\n*\n!package.json\n!apps/web\napps/web/project.json\n**/*.map\n', DOCKERIGNORE, 'apps/web', kind)).toEqual([
      '{workspaceRoot}/package.json',
      '{projectRoot}/**/*',
      '!{projectRoot}/project.json',
      '!{workspaceRoot}/**/*.map',
      '!{workspaceRoot}/**/*.map/**/*',
    ]);
  });

  it('a denylist is everything in the context minus its patterns; Docker matches a bare name at the top only', () => {
    expect(inputsFromIgnoreFile('apps/api', 'node_modules/\n*.md\n', DOCKERIGNORE, 'apps/api', kind)).toEqual([
      '{projectRoot}/**/*',
      '!{projectRoot}/node_modules/**/*',
      '!{projectRoot}/*.md',
      '!{projectRoot}/*.md/**/*',
    ]);
  });

  it('helm matches a bare name at any depth', () => {
    expect(inputsFromIgnoreFile('charts/shop', 'tests/\n*.tgz\n', HELMIGNORE, 'charts/shop', kind)).toEqual([
      '{projectRoot}/**/*',
      '!{projectRoot}/**/tests/**/*',
      '!{projectRoot}/**/*.tgz',
      '!{projectRoot}/**/*.tgz/**/*',
    ]);
  });

  it('never excludes what a later ! line could bring back (more inputs, never fewer)', () => {
    expect(inputsFromIgnoreFile('apps/api', 'docs\n!docs/keep.md\nlogs\n', DOCKERIGNORE, 'apps/api', kind)).toEqual([
      '{projectRoot}/**/*',
      '!{projectRoot}/logs',
      '!{projectRoot}/logs/**/*',
    ]);
  });

  it('no ignore file: the whole directory', () => {
    expect(inputsFromIgnoreFile('', null, DOCKERIGNORE, 'apps/api', kind)).toEqual(['{workspaceRoot}/**/*']);
  });
});
