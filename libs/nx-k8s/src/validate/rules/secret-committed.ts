// The Secret rule "should not be committed to version control": a non-empty value of a rendered
// Secret that comes from a values file tracked by git (or is written into a tracked template) is
// a violation. Values are never printed, only where they are.
import { Manifest, ref } from '../manifests';
import { fieldOf, leaves, ValuesLayer } from '../values';
import { Violation } from '../violation';
import { secretValues } from './config';

export interface CommittedFiles {
  /** Whether git tracks the workspace-relative file. */
  tracked(file: string): boolean;
  /** The text of a template file, to find values written into it. */
  text(file: string): string | null;
}

export function committedSecretRules(manifests: readonly Manifest[], layers: readonly ValuesLayer[], files: CommittedFiles): Violation[] {
  const out: Violation[] = [];
  for (const m of manifests.filter((m) => m.kind === 'Secret')) {
    for (const s of secretValues(m)) {
      const base = { resource: ref(m), rule: 'secret.not-committed' as const };
      const holder = [...layers].reverse().flatMap((layer) => leaves(layer.tree).filter((l) => l.value !== null && typeof l.value !== 'object' && String(l.value) === s.value).map((l) => ({ file: layer.file, field: fieldOf(l.path) })))[0];
      if (holder) {
        // A value from an untracked values file (say a git-ignored local one) is how secrets should arrive.
        if (files.tracked(holder.file)) {
          out.push({ ...base, file: holder.file, field: holder.field, message: `holds the value of Secret ${m.name} key ${s.key} in a file committed to git`, fix: `empty it here and give it at deploy time (the ${s.key} environment variable or the git-ignored .env, which helm-install passes to helm), then rotate the value` });
        }
        continue;
      }
      const text = files.text(m.file);
      if (text !== null && files.tracked(m.file) && (writtenIn(text, s.value) || (s.encoded !== undefined && writtenIn(text, s.encoded)))) {
        out.push({ ...base, file: m.file, field: s.field, message: `Secret ${m.name} key ${s.key} is written into a template committed to git`, fix: `read it from the values (e.g. .Values.global.secrets.${s.key}) and give it at deploy time, then rotate the value` });
      }
    }
  }
  return out;
}

/** Whether a template writes the value as a YAML scalar (`KEY: value`), not merely contains the text. */
function writtenIn(text: string, value: string): boolean {
  return text.split('\n').some((line) => {
    const colon = line.indexOf(':');
    const scalar = colon === -1 ? '' : line.slice(colon + 1).trim();
    return scalar === value || scalar === JSON.stringify(value) || scalar === `'${value}'`;
  });
}
