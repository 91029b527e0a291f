// The records stages hand each other (dist/nx-k8s/<app>/image.json): where they live, how Nx
// names them, a write that is whole or absent, and a damaged one named with the way to write
// it again, not left to a bare parser message.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { dependentRecords, readRecord, recordOutput, recordPath, writeRecord } from './index';

const tmp = mkdtempSync(join(tmpdir(), 'nx-k8s-record-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('where records live', () => {
  it('in dist/nx-k8s/<project>/ of the workspace', () => {
    expect(recordPath('backend', 'image')).toBe(join('dist', 'nx-k8s', 'backend', 'image.json'));
    expect(recordPath('backend', 'clusterImage')).toBe(join('dist', 'nx-k8s', 'backend', 'cluster-image.json'));
    expect(recordPath('todo-app', 'release')).toBe(join('dist', 'nx-k8s', 'todo-app', 'release.json'));
  });
  it('as Nx output tokens and dependent-task inputs', () => {
    expect(recordOutput('image')).toBe('{workspaceRoot}/dist/nx-k8s/{projectName}/image.json');
    expect(recordOutput('clusterImage')).toBe('{workspaceRoot}/dist/nx-k8s/{projectName}/cluster-image.json');
    expect(recordOutput('release')).toBe('{workspaceRoot}/dist/nx-k8s/{projectName}/release.json');
    expect(dependentRecords('image')).toBe('**/image.json');
    expect(dependentRecords('clusterImage')).toBe('**/cluster-image.json');
  });
});

describe('writeRecord', () => {
  it('creates the folder and writes indented JSON with a final newline', () => {
    const file = join(tmp, 'dist', 'nx-k8s', 'backend', 'image.json');
    writeRecord(file, { ref: 'todo-backend:nx-1' });
    expect(readFileSync(file, 'utf8')).toBe('{\n  "ref": "todo-backend:nx-1"\n}\n');
  });
  it('replaces a record whole and leaves no temporary file', () => {
    const dir = join(tmp, 'replace');
    const file = join(dir, 'cluster-image.json');
    writeRecord(file, { ref: 'a:1' });
    writeRecord(file, { ref: 'b:2' });
    expect(readRecord<{ ref: string }>(file, 'run it').ref).toBe('b:2');
    expect(readdirSync(dir)).toEqual(['cluster-image.json']);
  });
  it('leaves the previous record and no temporary file when the write fails', () => {
    const dir = join(tmp, 'failing');
    const file = join(dir, 'release.json');
    writeRecord(file, { release: 'todo-app' });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => writeRecord(file, circular)).toThrow(/circular/i);
    expect(readRecord<{ release: string }>(file, 'run it').release).toBe('todo-app');
    expect(readdirSync(dir)).toEqual(['release.json']);
  });
  it('removes its temporary file when the rename fails', () => {
    const dir = join(tmp, 'rename-fails');
    // A non-empty folder where the record should be: the rename onto it fails.
    mkdirSync(join(dir, 'image.json', 'x'), { recursive: true });
    expect(() => writeRecord(join(dir, 'image.json'), { ref: 'a:1' })).toThrow();
    expect(readdirSync(dir)).toEqual(['image.json']);
  });
});

describe('readRecord', () => {
  it('reads a record', () => {
    const file = join(tmp, 'image.json');
    writeFileSync(file, '{"ref":"todo-backend:nx-1"}\n');
    expect(readRecord<{ ref: string }>(file, 'run nx run backend:docker-build').ref).toBe('todo-backend:nx-1');
  });
  it('names a missing record and the target that writes it', () => {
    expect(() => readRecord(join(tmp, 'none.json'), 'run nx run backend:docker-build')).toThrow(
      `${join(tmp, 'none.json')} does not exist. Fix: run nx run backend:docker-build`,
    );
  });
  it('names a truncated record, the parser message and the target that writes it again', () => {
    const file = join(tmp, 'truncated.json');
    writeFileSync(file, '{"ref":"todo-backend:nx-1","id":"sha256:');
    expect(() => readRecord(file, 'run nx run backend:docker-build')).toThrow(
      new RegExp(`^${file} is not valid JSON \\((Unterminated string|Unexpected end)[^)]*\\)\\. Fix: delete it, then run nx run backend:docker-build$`),
    );
  });
});
