// Nx inputs for the files a tool reads from a directory, from that tool's ignore file
// (.dockerignore for a build context, .helmignore for a chart). The translation may include
// more than the tool reads, never less: an exclusion that a later `!` line could undo is
// dropped, so at worst a task reruns for a file it did not need.
import { posix } from 'path';

export interface IgnoreSyntax {
  /** helm matches a pattern without a slash against every base name; Docker only at the top. */
  baseNameAnywhere: boolean;
}

export const DOCKERIGNORE: IgnoreSyntax = { baseNameAnywhere: false };
export const HELMIGNORE: IgnoreSyntax = { baseNameAnywhere: true };

function patterns(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** Docker and helm clean a pattern like a path; a trailing slash (directories only) is kept. */
function clean(pattern: string): string {
  const dirOnly = /\/$/.test(pattern);
  const p = posix.normalize(pattern.replace(/^\/+/, '').replace(/\/+$/, '')).replace(/^\.\/?$/, '');
  return p && dirOnly ? `${p}/` : p;
}

const EVERYTHING = new Set(['*', '**', '**/*']);

/** What a workspace-relative path is on disk, so a plain path becomes one input, not two. */
export type PathKind = (path: string) => 'file' | 'directory' | null;

/** Workspace-relative globs for a pattern: a file itself, a directory everything below it, a glob both. */
function globs(dir: string, pattern: string, syntax: IgnoreSyntax, kind: PathKind): string[] {
  // `name/` matches directories only.
  const dirOnly = pattern.endsWith('/');
  const bare = pattern.replace(/\/+$/, '');
  const p = syntax.baseNameAnywhere && !bare.includes('/') ? `**/${bare}` : bare;
  const full = dir ? `${dir}/${p}` : p;
  const plain = !/[*?[\\]/.test(full);
  const k = dirOnly ? 'directory' : plain ? kind(full) : null;
  if (k === 'file') return [full];
  if (k === 'directory') return [`${full}/**/*`];
  return [full, `${full}/**/*`];
}

/** Nx input token for a workspace-relative glob: under the project root it is written {projectRoot}/... */
export function token(glob: string, projectRoot: string): string {
  if (projectRoot === '' || projectRoot === '.') return `{projectRoot}/${glob}`;
  if (glob === projectRoot) return '{projectRoot}';
  if (glob.startsWith(`${projectRoot}/`)) return `{projectRoot}/${glob.slice(projectRoot.length + 1)}`;
  return `{workspaceRoot}/${glob}`;
}

/**
 * Inputs for the files under `dir` (workspace-relative, '' for the root) that survive `ignore`
 * (its text, or null when there is none).
 */
export function inputsFromIgnoreFile(dir: string, ignore: string | null, syntax: IgnoreSyntax, projectRoot: string, kind: PathKind): string[] {
  const base = dir === '.' ? '' : dir;
  const lines = ignore === null ? [] : patterns(ignore);
  const entries = lines.map((l) => (l.startsWith('!') ? { include: true, pattern: clean(l.slice(1)) } : { include: false, pattern: clean(l) }));
  const allowlist = entries.length > 0 && !entries[0].include && EVERYTHING.has(entries[0].pattern.replace(/\/$/, ''));
  const rest = allowlist ? entries.slice(1) : entries;

  const positive = allowlist
    ? rest.filter((e) => e.include && e.pattern).flatMap((e) => globs(base, e.pattern, syntax, kind))
    : [base ? `${base}/**/*` : '**/*'];
  // An exclusion holds only when no `!` line after it could bring files back.
  const negative = rest
    .filter((e, i) => !e.include && e.pattern && !EVERYTHING.has(e.pattern) && !rest.slice(i + 1).some((later) => later.include))
    .flatMap((e) => globs(base, e.pattern, syntax, kind));
  return [...new Set(positive.map((g) => token(g, projectRoot))), ...new Set(negative.map((g) => `!${token(g, projectRoot)}`))];
}
