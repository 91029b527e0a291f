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

export function formatLine(app: string, pod: string, container: string, text: string, color: (s: string) => string): string {
  return `${color(`[${app} ${pod}/${container}]`)} ${text}`;
}
