// Finds secret values in a git repository's committed files. A finding names the file, the
// line and the rule, never the value: a real secret must not reach a test log either.
import { readFileSync } from 'fs';
import { join } from 'path';
import execa from 'execa';

export interface Finding {
  file: string;
  line: number;
  rule: string;
}

/** A value a test uses as a secret, and where it is defined. */
export interface TestValue {
  value: string;
  file: string;
  line: number;
}

/** The secret settings of the apps (backend: DATABASE_URL, GROQ_API_KEY; frontend: BETTER_AUTH_SECRET). */
export const SECRET_KEYS = ['DATABASE_URL', 'GROQ_API_KEY', 'BETTER_AUTH_SECRET'];

/** Test sources may hold fake secrets; everything else must hold none. */
export function isTestSource(file: string): boolean {
  return (
    /(^|\/)(tests?|__tests__|__fixtures__)\//.test(file) ||
    /\.(spec|test|e2e)\.[cm]?[jt]sx?$/.test(file) ||
    /(^|\/)(test_[^/]*|[^/]*_test|conftest)\.py$/.test(file)
  );
}

/** Helm values files and dotenv files: where a secret would be written as a setting. */
export function isSettingsFile(file: string): boolean {
  const base = file.split('/').pop()!;
  return /^values([.-][^/]*)?\.ya?ml$/.test(base) || /^\.env(\..*)?$/.test(base) || /\.env$/.test(base) || /(^|\.)Dockerfile$/.test(base);
}

export async function committedFiles(repo: string): Promise<string[]> {
  const r = await execa('git', ['ls-files', '-z'], { cwd: repo });
  return r.stdout.split('\0').filter(Boolean);
}

/** Text of a committed file, or null for a binary or missing (deleted, not yet committed) one. */
function readText(repo: string, file: string): string | null {
  let buf: Buffer;
  try {
    buf = readFileSync(join(repo, file));
  } catch {
    return null;
  }
  return buf.subarray(0, 8000).includes(0) ? null : buf.toString('utf8');
}

const SECRET_NAME = /(pass(word|wd)?|secret|token|api_?key|groq_?key|credential)/i;
const GROQ_KEY = /\bgsk_[A-Za-z0-9]{20,}/;
// user:password@ in a PostgreSQL URL, as SQLAlchemy and libpq accept it.
const POSTGRES_URL = /postgres(?:ql)?(?:\+\w+)?:\/\/([^\s:/@'"`]+):([^\s@'"`]+)@/g;
const PLACEHOLDER_WORDS = new Set([
  'pass',
  'password',
  'passwd',
  'pw',
  'pwd',
  'secret',
  'changeme',
  'change-me',
  'example',
  'your-password',
  'yourpassword',
  'mypassword',
  'placeholder',
  'redacted',
  '...',
]);

/** A password that stands for one: `{PASSWORD}`, `${PW}`, `<password>`, `PASSWORD`, `****`, `pass`. */
export function isPlaceholderPassword(password: string): boolean {
  return /[{}$<>%]/.test(password) || /^(x+|\*+|\.+)$/i.test(password) || /^[A-Z][A-Z0-9_]*$/.test(password) || PLACEHOLDER_WORDS.has(password.toLowerCase());
}

/**
 * The fake secrets the test sources use: string literals given to a secret-named variable or
 * key (PASSWORD = "...", GROQ_API_KEY: '...'), passwords of PostgreSQL URLs, gsk_ keys and
 * KEY=value lines for the apps' secret settings. Interpolated and generic values are left out:
 * a value made up per run cannot be committed, and a plain word would match everywhere.
 */
export function testValuesIn(file: string, text: string): TestValue[] {
  const found: TestValue[] = [];
  const add = (value: string, line: number) => {
    // A constant's name (GROQ_API_KEY=GROQ_KEY) is a reference, not a value.
    if (/^[A-Z_][A-Z0-9_]*$/.test(value)) return;
    if (found.some((f) => f.value === value)) return;
    if (value.length < 6 || /\s/.test(value) || /^[a-z]+$/.test(value)) return;
    if (/[{}$]/.test(value) || SECRET_KEYS.some((k) => value.includes(k))) return;
    found.push({ value, file, line });
  };
  text.split('\n').forEach((content, i) => {
    const line = i + 1;
    for (const m of content.matchAll(/([A-Za-z_][A-Za-z0-9_]*)['"]?\s*(?::|=|==)\s*(['"`])([^'"`\n]*)\2/g)) {
      if (SECRET_NAME.test(m[1])) add(m[3], line);
    }
    for (const m of content.matchAll(POSTGRES_URL)) if (!isPlaceholderPassword(m[2])) add(m[2], line);
    for (const m of content.matchAll(/\bgsk_[A-Za-z0-9_-]+/g)) add(m[0], line);
    for (const m of content.matchAll(new RegExp(`\\b(?:${SECRET_KEYS.join('|')})=([^\\s'"\`\\\\,;)]+)`, 'g'))) add(m[1], line);
  });
  return found;
}

export async function collectTestValues(repo: string): Promise<TestValue[]> {
  const values: TestValue[] = [];
  for (const file of (await committedFiles(repo)).filter(isTestSource)) {
    const text = readText(repo, file);
    if (text === null) continue;
    for (const v of testValuesIn(file, text)) if (!values.some((seen) => seen.value === v.value)) values.push(v);
  }
  return values;
}

/** The secret-shaped strings of one file. */
export function shapesIn(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  const settings = isSettingsFile(file);
  const assignment = new RegExp(`^\\s*(?:export\\s+|ENV\\s+|ARG\\s+)?(${SECRET_KEYS.join('|')})\\s*[:=\\s]\\s*(.*)$`);
  text.split('\n').forEach((content, i) => {
    const line = i + 1;
    // A real Groq key is never committed, not even in a test.
    if (GROQ_KEY.test(content)) findings.push({ file, line, rule: 'a Groq API key (gsk_...)' });
    if (!isTestSource(file)) {
      for (const m of content.matchAll(POSTGRES_URL)) {
        if (!isPlaceholderPassword(m[2])) findings.push({ file, line, rule: 'a PostgreSQL URL with a password' });
      }
    }
    if (settings) {
      const m = assignment.exec(content);
      if (m) {
        const value = m[2].replace(/\s+#.*$/, '').trim();
        if (!['', '""', "''", '~', 'null', '{}'].includes(value)) findings.push({ file, line, rule: `a value for ${m[1]}` });
      }
    }
  });
  return findings;
}

/**
 * Scans every committed text file: for secret-shaped strings, and (outside the test sources,
 * which define them) for the given test values.
 */
export async function scanRepository(repo: string, testValues: Array<Pick<TestValue, 'value' | 'file' | 'line'>>): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const file of await committedFiles(repo)) {
    const text = readText(repo, file);
    if (text === null) continue;
    findings.push(...shapesIn(file, text));
    if (isTestSource(file)) continue;
    text.split('\n').forEach((content, i) => {
      for (const v of testValues) {
        if (content.includes(v.value)) findings.push({ file, line: i + 1, rule: `the test secret defined at ${v.file}:${v.line}` });
      }
    });
  }
  return findings;
}

export function describeFindings(findings: Finding[]): string {
  return findings.map((f) => `${f.file}:${f.line}: ${f.rule}`).join('\n');
}
