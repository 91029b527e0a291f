// Whether an image must be transferred into a cluster's runtime. Pure.
export type LoadAction = 'present' | 'retag' | 'transfer';

/** An image a runtime holds: its ID (null when the runtime cannot tell) and the names pointing at it. */
export interface HeldImage {
  id: string | null;
  names: readonly string[];
}

/**
 * `held` lists the runtime's images with names spelled as the runtime spells them. The
 * wanted name pointing at the wanted image ID: nothing to do. The ID held under other names
 * only (or the wanted name pointing at another image): give it the name, no transfer.
 * Otherwise: transfer.
 */
export function decideLoad(wanted: { name: string; id: string }, held: readonly HeldImage[]): LoadAction {
  const image = held.find((i) => i.id === wanted.id);
  if (!image) return 'transfer';
  return image.names.includes(wanted.name) ? 'present' : 'retag';
}
