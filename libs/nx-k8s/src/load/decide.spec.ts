import { decideLoad } from './decide';

describe('decideLoad', () => {
  const wanted = { name: 'docker.io/library/todo-frontend:nx-1', id: 'sha256:aaa' };
  it('does nothing when the name points at the wanted image ID', () => {
    expect(decideLoad(wanted, [{ id: 'sha256:aaa', names: [wanted.name] }])).toBe('present');
  });
  it('only tags when the runtime has the image ID under another name (no transfer)', () => {
    expect(decideLoad(wanted, [{ id: 'sha256:aaa', names: ['docker.io/library/todo-frontend:nx-0'] }])).toBe('retag');
  });
  it('re-points the name when it points at another image but the wanted one is held', () => {
    expect(
      decideLoad(wanted, [
        { id: 'sha256:bbb', names: [wanted.name] },
        { id: 'sha256:aaa', names: [] },
      ]),
    ).toBe('retag');
  });
  it('transfers when the name points at another image and the wanted one is not held', () => {
    expect(decideLoad(wanted, [{ id: 'sha256:bbb', names: [wanted.name] }])).toBe('transfer');
  });
  it('transfers when the runtime cannot tell which image a name is', () => {
    expect(decideLoad(wanted, [{ id: null, names: [wanted.name] }])).toBe('transfer');
  });
});
