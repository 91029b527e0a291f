import { canonicalJson, valuesPath, valuesTree } from './values';

describe('stdin values', () => {
  it('nests paths, keeps escaped dots in keys, and takes values literally', () => {
    expect(valuesPath('a.b\\.c.d')).toEqual(['a', 'b.c', 'd']);
    expect(() => valuesPath('a..b')).toThrow(/values path 'a..b' has an empty key/);
    const tree = valuesTree({ 'x.list': 'a,b', 'x.n': 2, 'x.br': '[0]' }, { 'x.n': 3 }, { 'global.secrets.K': 'p$w "q" #h' });
    expect(tree).toEqual({ x: { list: 'a,b', n: 3, br: '[0]' }, global: { secrets: { K: 'p$w "q" #h' } } });
  });
  it('digests keys in a stable order', () => {
    expect(canonicalJson({ b: 1, a: { d: 'x', c: true } })).toBe('{"a":{"c":true,"d":"x"},"b":1}');
  });
});
