// The Secret rule "should not be committed to version control". The manifests come from a render
// with the committed (git-tracked) values files only, so every non-empty Secret value in them is
// committed somewhere: in one of those values files, or written into a template. A value the
// templates generate (randAlphaNum) is in neither and is not reported. Values are never printed,
// only where they are.
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

/** The committed values file and key holding a value: the highest-precedence one, a key named like the Secret's first. */
function holderOf(layers: readonly ValuesLayer[], value: string, key: string): { file: string; field: string } | null {
  const found = [...layers].reverse().flatMap((layer) =>
    leaves(layer.tree)
      .filter((l) => l.value !== null && typeof l.value !== 'object' && String(l.value) === value)
      .map((l) => ({ file: layer.file, field: fieldOf(l.path), named: l.path[l.path.length - 1] === key })),
  );
  const best = found.find((f) => f.named) ?? found[0];
  return best ? { file: best.file, field: best.field } : null;
}

export function committedSecretRules(manifests: readonly Manifest[], layers: readonly ValuesLayer[], files: CommittedFiles): Violation[] {
  const committed = layers.filter((l) => files.tracked(l.file));
  const out: Violation[] = [];
  for (const m of manifests.filter((m) => m.kind === 'Secret')) {
    for (const s of secretValues(m)) {
      const base = { resource: ref(m), rule: 'secret.not-committed' as const };
      const holder = holderOf(committed, s.value, s.key);
      if (holder) {
        out.push({
          ...base,
          file: holder.file,
          field: holder.field,
          message: `holds the value of Secret ${m.name} key ${s.key} in a file committed to git`,
          fix: `empty it here and give it at deploy time (the ${s.key} environment variable or the git-ignored .env, which helm-install passes to helm), then rotate the value`,
        });
        continue;
      }
      const text = files.text(m.file);
      if (text !== null && files.tracked(m.file) && (writtenIn(text, s.value) || (s.encoded !== undefined && writtenIn(text, s.encoded)))) {
        out.push({
          ...base,
          file: m.file,
          field: s.field,
          message: `Secret ${m.name} key ${s.key} is written into a template committed to git`,
          fix: `read it from the values (e.g. .Values.global.secrets.${s.key}) and give it at deploy time, then rotate the value`,
        });
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
