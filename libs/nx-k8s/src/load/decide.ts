// Whether an image must be transferred into a cluster's runtime. Pure.
export type LoadAction = 'present' | 'retag' | 'transfer';

/** An image a runtime holds: its ID (null when the runtime cannot tell) and the names pointing at it. */
export interface HeldImage {
  id: string | null;
  names: readonly string[];
}

/**
 * `held` lists the runtime's images with names spelled as the runtime spells them. The wanted
 * name held: nothing to do, whatever image ID it points at, because tags are content-addressed
 * (image/tag.ts): an image under the name was built from the record's inputs, and a rebuild of a
 * lost image gets a new ID from the same inputs. The wanted ID held under other names only: give
 * it the name, no transfer. Otherwise: transfer.
 */
export function decideLoad(wanted: { name: string; id: string }, held: readonly HeldImage[]): LoadAction {
  if (held.some((i) => i.names.includes(wanted.name))) return 'present';
  return held.some((i) => i.id === wanted.id) ? 'retag' : 'transfer';
}
