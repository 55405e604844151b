/**
 * Which settings, snapshot and code tables each open document is analysed with: its `Env`.
 * The editor's settings come pushed (`didChangeConfiguration`) or pulled per document
 * (`workspace/configuration`); the snapshot is the core locator's choice; files are read once
 * and re-read when they change on disk (`WatchedFiles`). Envs are keyed by everything they
 * depend on, so re-resolving finds the same Env again when nothing changed and the per-user
 * caches survive.
 */
import type { Connection } from 'vscode-languageserver';
import { folderOf, locateSnapshot, readCodeTablesText, resolveSettingPath, snapshotProblemText, SNAPSHOT_SUFFIX, type LocatedSnapshot } from '../../../shared/src/analysis';
import { editorOptionsFrom, profileSettings, type EditorOptions } from '../../../shared/src/editorSettings';
import type { SnapshotInfo } from '../../../shared/src/protocol';
import type { Settings, SettingProblem } from '../../../shared/src/settings';
import { peekProfile } from '../../../shared/src/snapshot/scan';
import { snapshotProfile } from '../../../shared/src/snapshot/snapshot';
import { InputError } from '../io/input';
import { snapshotFromBytes, SnapshotUnusable, type SnapshotOnDisk } from '../io/snapshotFile';
import type { CodeTables } from '../../../shared/src/validate/codeTables';
import { WatchedFiles, type Loaded } from './files';
import { pathToUri, uriToPath } from './locate';
import { createEnv, type Env } from './model';
import type { Logger } from './runSafe';
import type { Runtime } from './runtime';

/** Where the editor's settings come from, as the client said in `initialize`. */
export interface ConfigSource {
  /** `initializationOptions`, under or without the `almaSis` section. */
  initOptions: unknown;
  /** The client answers `workspace/configuration` per document. */
  pull: boolean;
  /** The workspace folders' paths. */
  folders: string[];
}

/** The head of a snapshot read to know its profile before the whole file is read. */
const PROFILE_HEAD_BYTES = 64 * 1024;

export class Envs {
  private readonly envs = new Map<string, Env>();
  private readonly validationCaches = new Map<string, Env['caches']['validated']>();
  private readonly docEnvs = new Map<string, Promise<Env>>();
  /** Documents whose Env promise has settled (so a model is made without reading files). */
  private readonly settled = new Set<string>();
  private readonly clientConfigs = new Map<string, Promise<unknown>>();
  private pushedConfig: unknown;
  private readonly snapshots: WatchedFiles<SnapshotOnDisk>;
  private readonly codeTables: WatchedFiles<CodeTables>;

  constructor(
    private readonly connection: Connection,
    private readonly runtime: Runtime,
    private readonly log: Logger,
    private readonly config: ConfigSource,
    /** The Envs open documents use now (the others are forgotten). */
    private readonly inUse: () => Iterable<Env>,
    /** Called (debounced) when a snapshot or code-tables file changed on disk. */
    onFilesChanged: () => void,
  ) {
    const changed = () => {
      this.invalidate();
      onFilesChanged();
    };
    this.snapshots = new WatchedFiles<SnapshotOnDisk>(runtime, readSnapshotFile, changed, (n) => n.endsWith(SNAPSHOT_SUFFIX));
    this.codeTables = new WatchedFiles<CodeTables>(runtime, parseCodeTablesFile, changed, () => false);
  }

  /** The settings the client pushed (`didChangeConfiguration`): every document's Env is resolved again. */
  configurationChanged(settings: unknown): void {
    this.pushedConfig = settings;
    this.clientConfigs.clear();
    this.invalidate();
  }

  /** Folders, files or settings changed: every document's Env is resolved again when next asked for. */
  invalidate(): void {
    this.docEnvs.clear();
    this.settled.clear();
  }

  /** A client's `workspace/didChangeWatchedFiles` for one file. */
  fileChanged(path: string): void {
    this.snapshots.changed(path);
    this.codeTables.changed(path);
  }

  /** The Env a document is analysed with (resolved once, until something it depends on changes). */
  envFor(uri: string): Promise<Env> {
    let e = this.docEnvs.get(uri);
    if (!e) {
      const p = this.resolve(uri, 'with-snapshot').then((env) => env!);
      e = p;
      this.docEnvs.set(uri, p);
      p.then(
        () => {
          if (this.docEnvs.get(uri) === p) this.settled.add(uri);
        },
        () => {
          if (this.docEnvs.get(uri) === p) this.docEnvs.delete(uri);
        },
      );
    }
    return e;
  }

  /** True when the document's Env is known without reading any file. */
  isSettled(uri: string): boolean {
    return this.settled.has(uri);
  }

  /**
   * The Env of a document before its snapshot is read: the same settings (the snapshot's
   * `profile` is peeked from the head of the file) without the snapshot, so the first
   * diagnostics of a large file do not wait for a large snapshot. Undefined when there is
   * no snapshot to wait for, it is already read, or its profile cannot be known from its head.
   */
  envBeforeSnapshot(uri: string): Promise<Env | undefined> {
    return this.resolve(uri, 'before-snapshot');
  }

  /** The editor options of a workspace folder (the workspace check's and the feed's settings). */
  async folderOptions(folder: string): Promise<EditorOptions> {
    return editorOptionsFrom(this.config.initOptions, await this.clientConfig(pathToUri(folder))).options;
  }

  /** The document was closed. */
  forget(uri: string): void {
    this.docEnvs.delete(uri);
    this.settled.delete(uri);
    this.clientConfigs.delete(uri);
  }

  /** What the status bar shows: the snapshot and code tables a document uses, or why they cannot be used. */
  async snapshotInfo(uri: string): Promise<SnapshotInfo> {
    const env = await this.envFor(uri);
    const s = env.snapshot;
    const t = env.codeTables;
    return {
      snapshotUri: s ? pathToUri(s.path) : undefined,
      source: s?.source,
      users: s?.value?.index.size,
      error: s?.error,
      codeTablesUri: t ? pathToUri(t.path) : undefined,
      codeTablesError: t?.error,
    };
  }

  /** Forget Envs (and validation caches) that no open document uses any more. */
  prune(keep: Env): void {
    const inUse = new Set(this.inUse());
    inUse.add(keep);
    for (const [k, e] of this.envs) if (!inUse.has(e)) this.envs.delete(k);
    const validatedInUse = new Set([...this.envs.values()].map((e) => e.caches.validated));
    for (const [k, v] of this.validationCaches) if (!validatedInUse.has(v)) this.validationCaches.delete(k);
  }

  dispose(): void {
    this.snapshots.dispose();
    this.codeTables.dispose();
  }

  /** The steps both Envs take: settings, snapshot (or its profile alone), code tables, then the Env for them. */
  private async resolve(uri: string, mode: 'with-snapshot' | 'before-snapshot'): Promise<Env | undefined> {
    const raw = await this.clientConfig(uri);
    const { options, problems: optionProblems } = editorOptionsFrom(this.config.initOptions, raw);
    const found = await this.findSnapshot(uri, options.snapshotPath);
    let snapshot: Env['snapshot'];
    let profile: unknown;
    if (mode === 'before-snapshot') {
      if (!found || this.snapshots.isReady(found.path)) return undefined;
      const peeked = await this.peekProfile(found.path);
      if (!peeked.known) return undefined;
      profile = peeked.profile;
    } else {
      snapshot = found ? { ...(await this.snapshots.get(found.path)), source: found.source } : undefined;
      profile = snapshot?.value ? snapshotProfile(snapshot.value) : undefined;
    }
    const tables = await this.codeTablesFor(uri, options);
    const { settings, problems } = profileSettings(profile, this.config.initOptions, raw);
    const key = JSON.stringify([mode, settings, options, snapshot?.path, snapshot?.generation, tables?.path, tables?.generation]);
    let env = this.envs.get(key);
    if (!env) {
      const settingProblems: SettingProblem[] = [...optionProblems, ...problems];
      if (mode === 'with-snapshot' && settingProblems.length > 0) this.log.info(`settings: ${settingProblems.map((p) => p.key).join(', ')} ignored (bad value)`);
      // Validation depends on the settings and the code tables only (not on the snapshot).
      env = createEnv(key, this.validationCache(settings, tables), settings, options, settingProblems, snapshot, tables);
      this.envs.set(key, env);
      if (mode === 'with-snapshot') this.prune(env);
    }
    return env;
  }

  private clientConfig(uri: string): Promise<unknown> {
    if (!this.config.pull) return Promise.resolve(this.pushedConfig);
    let c = this.clientConfigs.get(uri);
    if (!c) {
      c = this.connection.workspace.getConfiguration({ scopeUri: uri, section: 'almaSis' }).catch(() => undefined);
      this.clientConfigs.set(uri, c);
    }
    return c;
  }

  private findSnapshot(uri: string, snapshotPath: string | undefined): Promise<LocatedSnapshot | undefined> {
    return locateSnapshot({ document: uriToPath(uri), folders: this.config.folders, setting: snapshotPath }, (dir) => this.snapshots.list(dir));
  }

  private async peekProfile(path: string): Promise<ReturnType<typeof peekProfile>> {
    try {
      const head = await this.runtime.readHead(path, PROFILE_HEAD_BYTES);
      return peekProfile(head.text, head.complete);
    } catch {
      return { known: false };
    }
  }

  private async codeTablesFor(uri: string, options: EditorOptions): Promise<Loaded<CodeTables> | undefined> {
    if (!options.codeTablesPath) return undefined;
    const document = uriToPath(uri);
    const path = resolveSettingPath(options.codeTablesPath, folderOf(document, this.config.folders), document);
    return path ? this.codeTables.get(path) : undefined;
  }

  private validationCache(settings: Settings, tables: Loaded<CodeTables> | undefined): Env['caches']['validated'] {
    const key = JSON.stringify([settings, tables?.path, tables?.generation]);
    let validated = this.validationCaches.get(key);
    if (!validated) {
      validated = new WeakMap();
      this.validationCaches.set(key, validated);
    }
    return validated;
  }
}

/**
 * A snapshot file's bytes → the snapshot indexed (its entries are read from the bytes when a
 * plan or a hover asks), or why it cannot be used. Parsed whole, the snapshot of 20,000 users
 * took over 100 MB of the server's heap and most of the time before the complete diagnostics.
 * Indexed with the Match ID of its own profile; an Env whose settings say another indexes again
 * (`indexWithSettings`).
 */
function readSnapshotFile(bytes: Uint8Array, path: string): { value?: SnapshotOnDisk; error?: string } {
  try {
    return { value: snapshotFromBytes(path, bytes, (profile) => profileSettings(profile, undefined, undefined).settings) };
  } catch (e) {
    if (e instanceof SnapshotUnusable) return { error: e.problem ? snapshotProblemText(e.problem) : 'not a snapshot' };
    // The one other reason the reader gives: bytes that are not UTF-8.
    if (e instanceof InputError) return { error: 'not UTF-8 text' };
    throw e;
  }
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** A code-tables file's bytes → the tables, or why none can be used. */
function parseCodeTablesFile(bytes: Uint8Array): { value?: CodeTables; error?: string } {
  // Decoded as the file would be read as text (a byte-order mark kept, the reader drops it).
  const read = readCodeTablesText(utf8.decode(bytes));
  return { value: read.tables, error: read.unusable && `the file${read.unusable}` };
}
