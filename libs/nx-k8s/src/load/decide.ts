// Whether an image must be transferred into a cluster's runtime. Pure.
export type LoadAction = 'present' | 'retag' | 'transfer';

/**
 * `names` are the refs the runtime holds (normalized as the runtime spells them) and the
 * image IDs it holds. Same name: nothing to do (tags are content-addressed). Same ID under
 * another name: give it the new name, no transfer. Otherwise: transfer.
 */
export function decideLoad(wanted: { name: string; id: string }, held: { names: Set<string>; ids: Set<string> }): LoadAction {
  if (held.names.has(wanted.name)) return 'present';
  if (held.ids.has(wanted.id)) return 'retag';
  return 'transfer';
}
