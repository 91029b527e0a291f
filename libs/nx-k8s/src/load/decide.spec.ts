import { decideLoad } from './decide';

describe('decideLoad', () => {
  const wanted = { name: 'docker.io/library/todo-frontend:nx-1', id: 'sha256:aaa' };
  it('does nothing when the name points at the wanted image ID', () => {
    expect(decideLoad(wanted, [{ id: 'sha256:aaa', names: [wanted.name] }])).toBe('present');
  });
  it('only tags when the runtime has the image ID under another name (no transfer)', () => {
    expect(decideLoad(wanted, [{ id: 'sha256:aaa', names: ['docker.io/library/todo-frontend:nx-0'] }])).toBe('retag');
  });
  it('does nothing when the name points at another build of the same content-addressed tag', () => {
    expect(decideLoad(wanted, [{ id: 'sha256:bbb', names: [wanted.name] }])).toBe('present');
    expect(decideLoad(wanted, [{ id: null, names: [wanted.name] }])).toBe('present');
  });
  it('transfers when neither the name nor the image ID is held', () => {
    expect(decideLoad(wanted, [{ id: 'sha256:bbb', names: ['docker.io/library/todo-frontend:nx-0'] }])).toBe('transfer');
    expect(decideLoad(wanted, [])).toBe('transfer');
  });
});
