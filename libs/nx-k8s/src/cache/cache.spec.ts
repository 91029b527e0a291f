import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { clusterTaskHash, recallToken, rememberToken } from '.';

describe('cluster task hash', () => {
  it('never repeats a value while out of sync, however often the cluster drifts', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) seen.add(clusterTaskHash('h0', { inSync: false, nonce: `n${i}` }, null));
    expect(seen.size).toBe(8);
    expect(seen.has(clusterTaskHash('h0', { inSync: true }, null))).toBe(false);
  });
  it('in sync: the token of the run that got there, else a stable value', () => {
    expect(clusterTaskHash('h0', { inSync: true }, 'abc')).toBe('abc');
    expect(clusterTaskHash('h0', { inSync: true }, null)).toBe(clusterTaskHash('h0', { inSync: true }, null));
    expect(clusterTaskHash('h0', { inSync: true }, null)).not.toBe(clusterTaskHash('h1', { inSync: true }, null));
  });
  it('keeps tokens per h0 in the state directory', () => {
    const env = { NX_K8S_STATE_DIR: mkdtempSync(join(tmpdir(), 'nx-k8s-state-')) };
    expect(recallToken('h0', env)).toBeNull();
    rememberToken('h0', '0123456789abcdef0123', env);
    expect(recallToken('h0', env)).toBe('0123456789abcdef0123');
    expect(recallToken('h1', env)).toBeNull();
  });
});
