// Docker Image rules on a Dockerfile's base images: every FROM names a pinned, well-formed image.
// What `docker build` with no --build-arg would use counts, so an ARG default that holds the
// image is checked (and blamed) where it is written.
import { Violation } from '../violation';
import { imageRefViolations } from './image';

export interface Instruction {
  line: number;
  keyword: string;
  args: string;
}

/** Instructions with their first line, continuation lines joined, comments dropped. */
export function instructions(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  const escape = /^#\s*escape\s*=\s*`/i.test(lines[0] ?? '') ? '`' : '\\';
  const out: Instruction[] = [];
  let current: { line: number; text: string } | null = null;
  lines.forEach((raw, i) => {
    const trimmed = raw.trim();
    if (current === null && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (current !== null && trimmed.startsWith('#')) return;
    const continues = trimmed.endsWith(escape);
    const body = continues ? trimmed.slice(0, -1) : trimmed;
    current = current ? { line: current.line, text: `${current.text} ${body}` } : { line: i + 1, text: body };
    if (!continues) {
      const m = /^(\S+)\s*(.*)$/.exec(current.text.trim());
      if (m) out.push({ line: current.line, keyword: m[1].toUpperCase(), args: m[2] });
      current = null;
    }
  });
  return out;
}

interface Arg {
  value?: string;
  line: number;
}

function parseArgs(args: string): Array<[string, string | undefined]> {
  const out: Array<[string, string | undefined]> = [];
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)(?:=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))?/g)) {
    let v = m[2];
    if (v !== undefined && /^(["']).*\1$/.test(v)) v = v.slice(1, -1);
    out.push([m[1], v]);
  }
  return out;
}

/** Expands $X, ${X}, ${X:-word}, ${X:+word} with the global ARGs; reports the ARGs it used. */
export function expand(text: string, args: ReadonlyMap<string, Arg>): { value: string; used: string[]; unset: string[] } {
  const used: string[] = [];
  const unset: string[] = [];
  const value = text.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_m, braced, op, word, bare) => {
    const name = braced ?? bare;
    const a = args.get(name);
    const v = a?.value;
    used.push(name);
    if (op === ':-' || op === '-') return v ? v : word;
    if (op === ':+' || op === '+') return v ? word : '';
    if (v === undefined) unset.push(name);
    return v ?? '';
  });
  return { value, used, unset };
}

/** The images a build starts from: every FROM with the build args over the ARG defaults; stages and scratch left out. */
export function baseImages(text: string, buildArgs: Readonly<Record<string, string>> = {}): string[] {
  const args = new Map<string, Arg>();
  const stages = new Set<string>();
  const out = new Set<string>();
  let global = true;
  for (const ins of instructions(text)) {
    if (ins.keyword === 'ARG' && global) {
      for (const [name, value] of parseArgs(ins.args)) args.set(name, { value: buildArgs[name] ?? value, line: ins.line });
      continue;
    }
    if (ins.keyword !== 'FROM') continue;
    global = false;
    const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
    const stage = words.length >= 3 && words[1].toLowerCase() === 'as' ? words[2].toLowerCase() : undefined;
    const base = expand(words[0] ?? '', args).value;
    if (stage) stages.add(stage);
    const lower = base.toLowerCase();
    if (!base || lower === 'scratch' || (stages.has(lower) && lower !== stage)) continue;
    out.add(base);
  }
  return [...out].sort();
}

export function dockerfileRules(file: string, text: string | null, listedBy: string): Violation[] {
  if (text === null) {
    return [
      {
        file,
        resource: `Dockerfile/${file.split('/').pop()}`,
        field: '(file)',
        rule: 'image.dockerfile-exists',
        message: `the Dockerfile does not exist (${listedBy})`,
        fix: 'create it, or correct the path',
      },
    ];
  }
  const out: Violation[] = [];
  const args = new Map<string, Arg>();
  const stages = new Set<string>();
  // ARGs before the first FROM are the ones a FROM can use.
  let global = true;
  for (const ins of instructions(text)) {
    if (ins.keyword === 'ARG' && global) {
      for (const [name, value] of parseArgs(ins.args)) args.set(name, { value, line: ins.line });
      continue;
    }
    if (ins.keyword !== 'FROM') continue;
    const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
    const written = words[0] ?? '';
    const stage = words.length >= 3 && words[1].toLowerCase() === 'as' ? words[2].toLowerCase() : undefined;
    const { value, used, unset } = expand(written, args);
    global = false;
    const base = value.toLowerCase();
    if (stage) stages.add(stage);
    if (base === 'scratch' || (stages.has(base) && base !== stage)) continue;
    // One ARG that holds the whole image or part of it: the fix goes there.
    const arg = used.length === 1 ? args.get(used[0]) : undefined;
    const w = arg
      ? { file, line: arg.line, repositoryField: `ARG ${used[0]}`, tagField: `ARG ${used[0]}` }
      : { file, line: ins.line, repositoryField: 'FROM', tagField: 'FROM' };
    if (unset.length) {
      out.push({
        file,
        line: ins.line,
        resource: `Image/${written}`,
        field: 'FROM',
        rule: 'image.tag-not-latest',
        message: `base image ${written} depends on ARG ${unset.join(', ')} with no default, so a plain docker build has no pinned base`,
        fix: `give ARG ${unset[0]} a default with a version tag, e.g. ARG ${unset[0]}=node:20-slim`,
      });
      continue;
    }
    out.push(...imageRefViolations(value, { ...w, resource: `Image/${value}` }));
  }
  return out.map(({ blame: _, ...v }) => v);
}
