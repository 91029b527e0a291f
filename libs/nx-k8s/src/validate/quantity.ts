// Kubernetes resource quantities (k8s.io/apimachinery resource.Quantity), compared exactly:
// 500m vs 1 (CPU), 512Mi vs 1Gi (memory), 1e3 vs 1k. A quantity is a rational number kept as
// BigInt numerator / denominator, so no float rounding decides a request-vs-limit check.

export interface Quantity {
  num: bigint;
  den: bigint;
}

const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const SYNTAX = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** Parses a quantity (a YAML number counts as its decimal text), or returns null. */
export function parseQuantity(value: unknown): Quantity | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const m = SYNTAX.exec(String(value).trim());
  if (!m) return null;
  const [, sign, digits, suffix = ''] = m;
  const [whole, frac = ''] = digits.split('.');
  let num = BigInt((whole || '0') + frac) * (sign === '-' ? -1n : 1n);
  let den = 10n ** BigInt(frac.length);
  let exp = 0;
  if (suffix in BINARY) num *= BINARY[suffix];
  else if (/^[eE]/.test(suffix)) exp = Number(suffix.slice(1));
  else exp = DECIMAL[suffix];
  if (exp >= 0) num *= 10n ** BigInt(exp);
  else den *= 10n ** BigInt(-exp);
  return { num, den };
}

/** -1, 0 or 1 as a < b, a = b, a > b. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}
