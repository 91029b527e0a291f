// One log line as printed: `[app pod/container] text`, the prefix coloured per app. kubectl's
// --timestamps prefix is read off to resume a dropped stream without repeating lines.

const COLORS = [36, 35, 33, 32, 34, 31, 96, 95, 93, 92];

export function colorFor(app: string, apps: string[]): (s: string) => string {
  if (!apps.includes(app)) apps.push(app);
  const code = COLORS[apps.indexOf(app) % COLORS.length];
  return (s) => `\x1b[${code}m${s}\x1b[0m`;
}

/** `2026-12-02T18:00:00.123456789Z text` -> its parts; a line without one keeps its text. */
export function splitTimestamp(line: string): { at: string | null; text: string } {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) ?(.*)$/.exec(line);
  return m ? { at: m[1], text: m[2] } : { at: null, text: line };
}

/**
 * A timestamp as a key that sorts as time does: kubectl prints RFC 3339 with nanoseconds and
 * trailing zeros dropped (…01.5Z), so plain strings would put …01.5Z after …01.56Z.
 */
export function timeKey(at: string): string {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(at);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z` : at;
}

export function formatLine(app: string, pod: string, container: string, text: string, color: (s: string) => string): string {
  return `${color(`[${app} ${pod}/${container}]`)} ${text}`;
}
