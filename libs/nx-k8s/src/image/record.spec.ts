// The records stages hand each other (dist/nx-k8s/<app>/image.json): a damaged one is named
// with the way to write it again, not left to a bare parser message.
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { readJson } from './record';

const tmp = mkdtempSync(join(tmpdir(), 'nx-k8s-record-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('readJson', () => {
  it('reads a record', () => {
    const file = join(tmp, 'image.json');
    writeFileSync(file, '{"ref":"todo-backend:nx-1"}\n');
    expect(readJson<{ ref: string }>(file, 'run nx run backend:docker-build').ref).toBe('todo-backend:nx-1');
  });
  it('names a missing record and the target that writes it', () => {
    expect(() => readJson(join(tmp, 'none.json'), 'run nx run backend:docker-build')).toThrow(`${join(tmp, 'none.json')} does not exist. Fix: run nx run backend:docker-build`);
  });
  it('names a truncated record, the parser message and the target that writes it again', () => {
    const file = join(tmp, 'truncated.json');
    writeFileSync(file, '{"ref":"todo-backend:nx-1","id":"sha256:');
    expect(() => readJson(file, 'run nx run backend:docker-build')).toThrow(
      new RegExp(`^${file} is not valid JSON \\((Unterminated string|Unexpected end)[^)]*\\)\\. Fix: delete it, then run nx run backend:docker-build$`),
    );
  });
});
