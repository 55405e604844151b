/**
 * The SIS files of the workspace folders beyond the open documents: every SIS file is checked
 * without being opened (its diagnostics in the Problems panel, `almaSis.workspaceDiagnostics`),
 * and the files a folder's `almaSis.feed` glob names are one feed, as Alma reads the files of
 * one zip: a Match ID or identifier repeated across them is reported in both files, each
 * pointing at the other (related information). Closed files are read from disk, open ones from
 * the editor; one file at a time, yielding between files and between slices of users, so that
 * typing is never held up; a change on disk checks that file again. The server watches the
 * folders it walked itself, as well as taking the client's `workspace/didChangeWatchedFiles`:
 * not every client watches files (Helix, older Neovim), and an editor's own watcher can fail
 * (too many folders for the system's inotify limits) without the server hearing of it. Logs say
 * how many files, never which or what is in them.
 */
import type { Connection, Diagnostic, DiagnosticRelatedInformation, Position } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import picomatch from 'picomatch';
import * as path from 'node:path';
import type { Problem } from '../../../shared/src/diagnostics';
import { EDITOR_FILE_LIMIT_BYTES, type EditorOptions } from '../../../shared/src/editorSettings';
import { isSisXml, SNIFF_LENGTH } from '../../../shared/src/sis/detect';
import { readSisDocument } from '../../../shared/src/sis/read';
import type { UserKeys } from '../../../shared/src/sis/keys';
import { LineStarts } from '../../../shared/src/text/lines';
import { DuplicateChecker } from '../../../shared/src/validate/file';
import type { ConfigSource, Envs } from './envs';
import { pathToUri, uriToPath } from './locate';
import { DocumentModel, toSeverity } from './model';
import type { OpenDocuments } from './openDocuments';
import { describeError, type Logger } from './runSafe';
import type { Disposable, Runtime } from './runtime';

/** VS Code's defaults of `files.exclude` and `search.exclude`, for clients that do not say. */
const DEFAULT_EXCLUDES = ['**/.git', '**/.svn', '**/.hg', '**/CVS', '**/.DS_Store', '**/Thumbs.db', '**/node_modules', '**/bower_components'];
/** A ceiling on what one scan walks, so a huge folder cannot keep the server busy for long. */
const MAX_ENTRIES = 200_000;
/** A ceiling on the folders the server watches itself; beyond it, only the client's watcher tells. */
const MAX_WATCHED_DIRS = 2_000;
/** Editors and export scripts write a file in several steps (and two watchers report each): one check after the burst. */
const CHANGE_SETTLE_MS = 100;

/** One SIS file of the workspace, as the feed and the Problems panel know it. */
interface WorkspaceFile {
  readonly uri: string;
  readonly path: string;
  readonly folder: string;
  /** Its path relative to its folder, with `/` (what the feed glob matches). */
  readonly relative: string;
  /** Checked (and published) since the scan found it. */
  checked?: boolean;
  /** When closed and in a feed: its users' keys and where its lines start. */
  keys?: readonly { readonly start: number; readonly keys: UserKeys }[];
  lines?: LineStarts;
  /** Its diagnostics across the files of its feed, as last published. */
  feed: Diagnostic[];
}

export interface WorkspaceTuning {
  /** Files above this size are not checked (VS Code does not hand them to extensions either). */
  readonly maxFileBytes?: number;
  /** How long the first scan waits after start-up (`WORKSPACE_START_DELAY_MS`). */
  readonly startDelayMs?: number;
}

/**
 * The first scan waits this long after `initialized`: an editor opens the documents it shows
 * right then, and a large one (tens of MB) takes a while to arrive. Checked from disk as a
 * closed file meanwhile, it would be read and analysed twice, the open document waiting.
 */
export const WORKSPACE_START_DELAY_MS = 1000;

export class WorkspaceFiles {
  private readonly files = new Map<string, WorkspaceFile>();
  private options = new Map<string, EditorOptions>();
  private scanning: Promise<void> | undefined;
  private rescan = false;
  private readonly queue: string[] = [];
  private draining = false;
  /** The folders walked by the last scan, each watched by the server (`Runtime.watchDir`). */
  private readonly dirWatches = new Map<string, Disposable>();
  /** Changes on disk waiting for their burst to end, by path. */
  private readonly settling = new Map<string, Disposable>();
  private disposed = false;
  private readonly maxFileBytes: number;
  private readonly startDelayMs: number;

  constructor(
    private readonly connection: Connection,
    private readonly runtime: Runtime,
    private readonly log: Logger,
    private readonly config: ConfigSource,
    private readonly documents: OpenDocuments,
    private readonly envs: Envs,
    /** Publishes an open document again (its feed diagnostics changed). */
    private readonly republishOpen: (uri: string) => void,
    tuning: WorkspaceTuning = {},
  ) {
    this.maxFileBytes = tuning.maxFileBytes ?? EDITOR_FILE_LIMIT_BYTES;
    this.startDelayMs = tuning.startDelayMs ?? WORKSPACE_START_DELAY_MS;
  }

  /** The first scan, once the editor has had time to open the documents it shows. */
  start(): void {
    this.runtime.setTimeout(() => {
      if (!this.disposed) void this.scan();
    }, this.startDelayMs);
  }

  /** Finds the SIS files of every folder and checks the closed ones (again: settings or folders changed). */
  scan(): Promise<void> {
    if (this.scanning) {
      this.rescan = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      do {
        this.rescan = false;
        try {
          await this.scanOnce();
        } catch (err) {
          this.say('error', `workspace check failed: ${describeError(err)}`);
        }
      } while (this.rescan && !this.disposed);
      this.scanning = undefined;
    })();
    return this.scanning;
  }

  private async scanOnce(): Promise<void> {
    const found = new Map<string, WorkspaceFile>();
    const walked = new Set<string>();
    this.options = new Map();
    for (const folder of this.config.folders) {
      const options = await this.envs.folderOptions(folder);
      this.options.set(folder, options);
      if (!options.workspaceDiagnostics && !options.feed) continue;
      for (const file of await this.discover(folder, folder, options, walked)) {
        const uri = pathToUri(file);
        found.set(uri, this.files.get(uri) ?? { uri, path: file, folder, relative: relativeTo(folder, file), feed: [] });
      }
    }
    // Folders no longer walked (a setting turned the check off, a folder went) are no longer watched.
    for (const [dir, watch] of this.dirWatches) {
      if (walked.has(dir) || this.rescan) continue;
      watch.dispose();
      this.dirWatches.delete(dir);
    }
    // Files no longer part of the workspace check: their diagnostics go (open ones keep theirs).
    for (const [uri, f] of this.files) {
      if (found.has(uri)) continue;
      this.files.delete(uri);
      if (!this.documents.get(uri) && f.checked) this.send(uri, []);
    }
    for (const [uri, f] of found) {
      this.files.set(uri, f);
      f.checked = false;
    }
    const closed = [...found.keys()].filter((uri) => !this.documents.get(uri));
    const progress = await this.connection.window.createWorkDoneProgress().catch(() => undefined);
    progress?.begin('Alma SIS: checking the workspace', 0, `0 of ${closed.length} files`, false);
    let done = 0;
    for (const uri of closed) {
      if (this.disposed || this.rescan) break;
      await this.checkClosed(uri, false);
      done++;
      progress?.report(Math.round((done / Math.max(1, closed.length)) * 100), `${done} of ${closed.length} files`);
    }
    progress?.done();
    if (closed.length > 0) this.say('info', `workspace: ${done} of ${closed.length} closed SIS files checked`);
    await this.updateFeeds();
  }

  /**
   * The `.xml` files under `start` (a workspace folder or a folder in it) that are SIS files,
   * outside the excluded folders, in name order. Each folder walked is watched and added to `walked`.
   */
  private async discover(folder: string, start: string, options: EditorOptions, walked?: Set<string>): Promise<string[]> {
    const excluded = await this.excludedIn(folder);
    const out: string[] = [];
    let entries = 0;
    const walk = async (dir: string): Promise<void> => {
      walked?.add(dir);
      this.watchDir(dir);
      for (const e of await this.runtime.readDirEntries(dir)) {
        if (++entries > MAX_ENTRIES || this.disposed) return;
        const full = path.join(dir, e.name);
        const rel = relativeTo(folder, full);
        if (excluded(rel)) continue;
        if (e.kind === 'dir') await walk(full);
        else if (e.kind === 'file' && /\.xml$/i.test(e.name) && (await this.isSisFile(full, options))) out.push(full);
      }
      // Let requests and edits in between folders.
      await this.pause();
    };
    await walk(start);
    if (entries > MAX_ENTRIES) this.say('info', `workspace: more than ${MAX_ENTRIES} entries in a folder; the rest is not checked`);
    return out.sort();
  }

  /** `*.sis.xml` always; another `.xml` when its root is `<users>` or `<userRecords>` (the extension's own rule). */
  private async isSisFile(file: string, options: EditorOptions): Promise<boolean> {
    if (/\.(sis|alma-sis)\.xml$/i.test(file)) return true;
    if (!options.autoDetect) return false;
    try {
      return isSisXml((await this.runtime.readHead(file, SNIFF_LENGTH)).text);
    } catch {
      return false;
    }
  }

  /** Whether a path relative to the folder (with `/`) lies in its excluded folders. */
  private async excludedIn(folder: string): Promise<(relative: string) => boolean> {
    return picomatch(await this.excludes(folder), { dot: true });
  }

  /** `files.exclude` and `search.exclude` of the folder (patterns set to true), else VS Code's defaults. */
  private async excludes(folder: string): Promise<string[]> {
    if (!this.config.pull) return DEFAULT_EXCLUDES;
    const scopeUri = pathToUri(folder);
    const [files, search] = await Promise.all(
      ['files.exclude', 'search.exclude'].map((section) => this.connection.workspace.getConfiguration({ scopeUri, section }).catch(() => undefined) as Promise<unknown>),
    );
    const said = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object';
    if (!said(files) && !said(search)) return DEFAULT_EXCLUDES;
    const patterns = (x: unknown) => (said(x) ? Object.entries(x).filter(([, v]) => v === true).map(([k]) => k) : []);
    return [...patterns(files), ...patterns(search)];
  }

  /**
   * Checks a closed file from disk and publishes it. Its diagnostics are not kept (they can be
   * many: hints on every segment); a feed member keeps its users' keys and line starts, which
   * the checks across the feed need. `feeds`: check the folder's feed first (a scan does it once
   * at the end instead).
   */
  private async checkClosed(uri: string, feeds = true): Promise<void> {
    const f = this.files.get(uri);
    if (!f || this.documents.get(uri)) return;
    const options = this.options.get(f.folder);
    const size = await this.runtime.fileSize(f.path);
    if (size === undefined) return;
    let own: Diagnostic[];
    if (size > this.maxFileBytes) {
      own = [tooLarge(size, this.maxFileBytes)];
      f.keys = undefined;
    } else {
      let text: string;
      try {
        text = await this.runtime.readFile(f.path);
      } catch {
        return;
      }
      // The editor drops a byte-order mark when it opens a file: read it as the editor would.
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const env = await this.envs.envFor(uri);
      // Opened meanwhile: the open document's diagnostics are the ones to show.
      if (this.documents.get(uri)) return;
      const sis = readSisDocument(text);
      const model = new DocumentModel(TextDocument.create(uri, 'alma-sis', 0, text), sis, env);
      const found = await model.diagnostics(() => this.pause().then(() => !this.documents.get(uri) && !this.disposed));
      if (!this.documents.get(uri)) this.envs.forget(uri);
      if (!found) return;
      own = found;
      if (this.inFeed(f)) {
        const lines = new LineStarts();
        lines.push(text);
        lines.end();
        // A copy: the keys' strings are slices of the file's text, and would keep all of it alive.
        f.keys = structuredClone(sis.users.map((u) => ({ start: u.start, keys: model.keys(u) })));
        f.lines = lines;
      } else {
        f.keys = undefined;
        f.lines = undefined;
      }
    }
    f.checked = true;
    if (feeds) await this.updateFeeds(f.folder, uri);
    if (options?.workspaceDiagnostics && !this.documents.get(uri)) this.send(uri, [...own, ...f.feed]);
  }

  /** Whether the file belongs to its folder's feed (`almaSis.feed`). */
  private inFeed(f: WorkspaceFile): boolean {
    const glob = this.options.get(f.folder)?.feed;
    return glob !== undefined && picomatch(glob, { dot: true })(f.relative);
  }

  /** A log line, unless the server is shutting down (a check still running then is simply dropped). */
  private say(level: 'info' | 'error', message: string): void {
    if (this.disposed) return;
    try {
      this.log[level](message);
    } catch {
      // The connection is gone.
    }
  }

  private send(uri: string, diagnostics: Diagnostic[]): void {
    this.connection.sendDiagnostics({ uri, diagnostics }).catch(() => undefined);
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => this.runtime.setTimeout(resolve, 0));
  }

  /**
   * The client says a file changed on disk (created, changed, deleted). The server's own
   * watcher reports the same changes; both wait for the burst to end and are then one check.
   */
  fileChanged(file: string): void {
    if (/\.xml$/i.test(file)) this.settle(file);
  }

  /** Watches a folder the scan walked (up to a ceiling), unless it is watched already. */
  private watchDir(dir: string): void {
    if (this.dirWatches.has(dir) || this.dirWatches.size >= MAX_WATCHED_DIRS || this.disposed) return;
    this.dirWatches.set(
      dir,
      this.runtime.watchDir(dir, (name) => {
        // No name (the runtime fell back to polling): anything in the folder may have changed.
        this.settle(name ? path.join(dir, name) : dir);
      }),
    );
  }

  /** Acts on a change once no other change of the same path came for a moment. */
  private settle(changed: string): void {
    this.settling.get(changed)?.dispose();
    this.settling.set(
      changed,
      this.runtime.setTimeout(() => {
        this.settling.delete(changed);
        this.onDisk(changed).catch((err) => this.say('error', `workspace check failed: ${describeError(err)}`));
      }, CHANGE_SETTLE_MS),
    );
  }

  /** What a settled change is now: an SIS file to check, a new folder to walk, or files gone. */
  private async onDisk(changed: string): Promise<void> {
    if (this.disposed) return;
    if ((await this.runtime.fileSize(changed)) !== undefined) {
      if (/\.xml$/i.test(changed)) this.enqueue(pathToUri(changed));
      return;
    }
    // Not a file: a folder that appeared (or, when polling, changed), or something that went.
    const folder = this.folderOf(changed);
    const options = folder ? this.options.get(folder) : undefined;
    if (folder && options && (options.workspaceDiagnostics || options.feed) && (await this.runtime.readDirEntries(changed)).length > 0) {
      const rel = relativeTo(folder, changed);
      if (rel !== '' && (await this.excludedIn(folder))(rel)) return;
      for (const file of await this.discover(folder, changed, options)) {
        // Files new to the check; when polling named no file, also the folder's own files.
        if (!this.files.has(pathToUri(file)) || path.dirname(file) === changed) this.enqueue(pathToUri(file));
      }
    }
    for (const f of [...this.files.values()]) {
      if (f.path !== changed && !f.path.startsWith(changed + path.sep)) continue;
      if ((await this.runtime.fileSize(f.path)) !== undefined) continue;
      // Gone from disk: its problems go, and its feed is checked without it.
      this.files.delete(f.uri);
      if (!this.documents.get(f.uri)) this.send(f.uri, []);
      await this.updateFeeds(f.folder);
    }
  }

  /** The workspace folder a path lies in (the innermost, when folders nest). */
  private folderOf(file: string): string | undefined {
    return this.config.folders.filter((d) => file === d || file.startsWith(d + path.sep)).sort((a, b) => b.length - a.length)[0];
  }

  /** The document was closed: from now on the Problems panel shows it as a workspace file. */
  closed(uri: string): void {
    if (this.files.has(uri)) this.enqueue(uri);
  }

  private enqueue(uri: string): void {
    if (!this.queue.includes(uri)) this.queue.push(uri);
    if (this.draining) return;
    this.draining = true;
    void (async () => {
      while (this.queue.length > 0 && !this.disposed) {
        const next = this.queue.shift()!;
        try {
          await this.recheck(next);
        } catch (err) {
          this.say('error', `workspace check failed: ${describeError(err)}`);
        }
      }
      this.draining = false;
    })();
  }

  private async recheck(uri: string): Promise<void> {
    await this.scanning;
    const file = uriToPath(uri);
    if (!file) return;
    let f = this.files.get(uri);
    if (!f) {
      const folder = this.folderOf(file);
      const options = folder ? this.options.get(folder) : undefined;
      if (!folder || !options || (!options.workspaceDiagnostics && !options.feed)) return;
      const rel = relativeTo(folder, file);
      if ((await this.excludedIn(folder))(rel) || !(await this.isSisFile(file, options))) return;
      f = { uri, path: file, folder, relative: rel, feed: [] };
      this.files.set(uri, f);
    }
    await this.checkClosed(uri);
  }

  /**
   * The diagnostics of an open document across the files of its feed, made again from its
   * current model (called when its own diagnostics are published).
   */
  async openDocumentChecked(uri: string): Promise<Diagnostic[]> {
    const f = this.files.get(uri);
    if (!f) return [];
    await this.updateFeeds(f.folder, uri);
    return f.feed;
  }

  /**
   * Checks the feed of each folder (or of one) again: duplicates across its files, in name
   * order, as one zip of them would be read. Files whose feed diagnostics changed are published
   * again (`except`: the open document whose publication asked for this).
   */
  private async updateFeeds(only?: string, except?: string): Promise<void> {
    for (const folder of this.config.folders) {
      if (only !== undefined && folder !== only) continue;
      const glob = this.options.get(folder)?.feed;
      const members = glob ? [...this.files.values()].filter((f) => f.folder === folder && this.inFeed(f)).sort((a, b) => (a.relative < b.relative ? -1 : 1)) : [];
      const found = new Map<string, Diagnostic[]>();
      if (members.length > 1) {
        const read = await Promise.all(members.map((m) => this.memberKeys(m)));
        const env = await this.envs.envFor(members[0].uri);
        const checker = new DuplicateChecker(env.settings);
        members.forEach((m, i) => {
          const list: Diagnostic[] = [];
          found.set(m.uri, list);
          (read[i]?.keys ?? []).forEach((u, k) => {
            for (const p of checker.next(u.keys, { file: i, fileName: m.relative, start: u.start, indexInFile: k })) {
              if (p.related?.every((r) => r.file === i)) continue; // within the file: its own check reports it
              list.push(this.toDiagnostic(p, u.start, read[i]!.positionAt, members, read));
            }
          });
        });
        for (const { file, problem } of checker.earlierFileProblems) found.get(members[file].uri)!.push(this.toDiagnostic(problem, 0, read[file]!.positionAt, members, read));
      }
      for (const f of this.files.values()) {
        if (f.folder !== folder) continue;
        const next = found.get(f.uri) ?? [];
        if (JSON.stringify(next) === JSON.stringify(f.feed)) continue;
        f.feed = next;
        if (f.uri === except) continue;
        if (this.documents.get(f.uri)) this.republishOpen(f.uri);
        // A closed file is read again to publish it with its new feed diagnostics.
        else if (f.checked) this.enqueue(f.uri);
      }
    }
  }

  /** A member's users' keys and positions: from the editor's model when open, else as last read from disk. */
  private async memberKeys(m: WorkspaceFile): Promise<{ keys: readonly { start: number; keys: UserKeys }[]; positionAt: (o: number) => Position } | undefined> {
    if (this.documents.get(m.uri)) {
      const model = await this.documents.model(m.uri);
      if (!model) return undefined;
      return { keys: model.sis.users.map((u) => ({ start: u.start, keys: model.keys(u) })), positionAt: (o) => model.doc.positionAt(o) };
    }
    if (!m.keys || !m.lines) return undefined;
    const lines = m.lines;
    return { keys: m.keys, positionAt: (o) => lines.positionAt(o) };
  }

  private toDiagnostic(
    p: Problem,
    base: number,
    positionAt: (o: number) => Position,
    members: readonly WorkspaceFile[],
    read: readonly ({ positionAt: (o: number) => Position } | undefined)[],
  ): Diagnostic {
    const relatedInformation: DiagnosticRelatedInformation[] = (p.related ?? []).flatMap((r) => {
      const at = read[r.file]?.positionAt;
      return at ? [{ location: { uri: members[r.file].uri, range: { start: at(r.start), end: at(r.end) } }, message: r.message }] : [];
    });
    const d: Diagnostic = { range: { start: positionAt(base + p.start), end: positionAt(base + p.end) }, severity: toSeverity(p.severity), code: p.code, source: 'alma-sis', message: p.message };
    if (relatedInformation.length > 0) d.relatedInformation = relatedInformation;
    return d;
  }

  dispose(): void {
    this.disposed = true;
    for (const w of this.dirWatches.values()) w.dispose();
    for (const t of this.settling.values()) t.dispose();
    this.dirWatches.clear();
    this.settling.clear();
  }
}

/** A path relative to its workspace folder, with `/` (what the globs match). */
function relativeTo(folder: string, file: string): string {
  return path.relative(folder, file).split(path.sep).join('/');
}

function tooLarge(size: number, limit: number): Diagnostic {
  const mb = (n: number) => `${Math.round(n / (1024 * 1024))} MB`;
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: toSeverity('information'),
    code: 'not-checked-too-large',
    source: 'alma-sis',
    message: `Not checked in the editor: the file is ${mb(size)}, more than the ${mb(limit)} VS Code hands to extensions. Check it with the command line: alma-sis validate FILE.`,
  };
}
