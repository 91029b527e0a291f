import { decideLoad } from './decide';

describe('decideLoad', () => {
  const wanted = { name: 'docker.io/library/todo-frontend:nx-1', id: 'sha256:aaa' };
  it('does nothing when the runtime has the name (tags are content-addressed)', () => {
    expect(decideLoad(wanted, { names: new Set([wanted.name]), ids: new Set() })).toBe('present');
  });
  it('only tags when the runtime has the image ID under another name (no transfer)', () => {
    expect(decideLoad(wanted, { names: new Set(['docker.io/library/todo-frontend:nx-0']), ids: new Set(['sha256:aaa']) })).toBe('retag');
  });
  it('transfers otherwise', () => {
    expect(decideLoad(wanted, { names: new Set(), ids: new Set(['sha256:bbb']) })).toBe('transfer');
  });
});
