// Watches the files a deploy hashes and reports each burst of saves once. A file counts when
// the deploy's input patterns (inputs.ts) match it and git does not ignore it, as for Nx's own
// hashing. One inotify watch per directory that holds such files (Node's recursive watch on
// Linux walks everything, node_modules included); directories created later are added as they
// appear.
import { FSWatcher, statSync, watch } from 'fs';
import { dirname, join } from 'path';
import { ignoredPaths, workspaceFiles } from '../adapters/git';
import { Runner } from '../adapters/run';
import { matcher, staticPrefix } from './inputs';

export interface WatchSpec {
  root: string;
  /** Workspace-relative globs; `!` ones exclude. */
  patterns: string[];
  /** Quiet time after the last event before a burst is reported. */
  debounceMs: number;
}

export class WorkspaceWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly pending = new Set<string>();
  /** The watched files that exist: what a removal is checked against. */
  private readonly known = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly matches: (path: string) => boolean;

  constructor(
    private readonly spec: WatchSpec,
    private readonly run: Runner,
    private readonly onChange: (files: string[]) => void,
    private readonly onError: (message: string) => void,
  ) {
    this.matches = matcher(spec.patterns);
  }

  /** Starts watching; resolves with the number of files and directories watched. */
  async start(): Promise<{ files: number; dirs: number }> {
    const prefixes = [...new Set(this.spec.patterns.filter((p) => !p.startsWith('!')).map(staticPrefix))];
    const files = (await workspaceFiles(this.run, this.spec.root, prefixes)).filter(this.matches);
    for (const p of prefixes) if (statSync(join(this.spec.root, p), { throwIfNoEntry: false })?.isDirectory()) this.watchDir(p);
    this.watchAncestors(files, '.');
    files.forEach((f) => this.known.add(f));
    return { files: files.length, dirs: this.watchers.size };
  }

  /** Each file's directory and theirs up to `top`. */
  private watchAncestors(files: string[], top: string): void {
    for (const f of files)
      for (let d = dirname(f); ; d = dirname(d)) {
        this.watchDir(d);
        if (d === top || d === '.') break;
      }
  }

  private watchDir(dir: string): void {
    if (this.closed || this.watchers.has(dir)) return;
    try {
      const w = watch(join(this.spec.root, dir), { persistent: true }, (_event, name) => name && this.saw(join(dir, name.toString())));
      w.on('error', () => this.unwatch(dir));
      this.watchers.set(dir, w);
    } catch {
      // Removed between listing and watching.
    }
  }

  private unwatch(dir: string): void {
    this.watchers.get(dir)?.close();
    this.watchers.delete(dir);
  }

  private saw(path: string): void {
    this.pending.add(path);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), this.spec.debounceMs);
  }

  private async flush(): Promise<void> {
    this.timer = null;
    const paths = [...this.pending].filter(this.matches).sort();
    this.pending.clear();
    let ignored: Set<string>;
    try {
      ignored = await ignoredPaths(this.run, this.spec.root, paths);
    } catch (e) {
      this.onError((e as Error).message);
      return;
    }
    const changed: string[] = [];
    for (const p of paths.filter((p) => !ignored.has(p) && !ignored.has(`${p}/`))) {
      const stat = statSync(join(this.spec.root, p), { throwIfNoEntry: false });
      if (stat?.isDirectory()) {
        // A directory is a change through the files in it only: helm's tmpcharts-* or an
        // empty mkdir deploy nothing.
        changed.push(...(await this.addTree(p)).filter((f) => !this.known.has(f)));
      } else if (stat) {
        changed.push(p);
      } else {
        // Gone: a file the deploy read, or a directory that held some.
        const lost = [...this.known].filter((f) => f === p || f.startsWith(`${p}/`));
        changed.push(...lost);
        for (const d of [...this.watchers.keys()]) if (d === p || d.startsWith(`${p}/`)) this.unwatch(d);
      }
    }
    for (const f of changed)
      if (statSync(join(this.spec.root, f), { throwIfNoEntry: false })) this.known.add(f);
      else this.known.delete(f);
    if (changed.length && !this.closed) this.onChange([...new Set(changed)].sort());
  }

  /** A directory that appeared (mkdir, a moved tree): watch it and what git would track in it; returns those files. */
  private async addTree(dir: string): Promise<string[]> {
    this.watchDir(dir);
    const files = (await workspaceFiles(this.run, this.spec.root, [dir]).catch((): string[] => [])).filter(this.matches);
    this.watchAncestors(files, dir);
    return files;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}
