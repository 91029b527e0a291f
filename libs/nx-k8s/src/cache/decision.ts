// The cache decision of a cluster task (load, release), pure.
//
// h0 = H(Nx's input hash, cluster identity, the stage's desired state, the plugin's code).
//   - out of sync (or unverifiable): a value no cache can hold (a fresh nonce), so the task
//     runs whatever any cache (local, shared, remote) contains;
//   - in sync: the value the run that brought the cluster to this state was stored under
//     (its sync token), so the run after a deploy is a cache hit; without a token a stable
//     function of h0, stored by the first run that finds the cluster in sync.
// A cache hit is therefore only ever served after the cluster was checked and agreed.
import { createHash } from 'crypto';

export function combine(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 20);
}

export type ClusterCheck = { inSync: true } | { inSync: false; nonce: string };

export function clusterTaskHash(h0: string, check: ClusterCheck, token: string | null): string {
  if (!check.inSync) return combine(h0, 'out-of-sync', check.nonce);
  return token ?? combine(h0, 'in-sync');
}
