/**
 * The extension's commands that read from Alma: **Refresh Snapshot from Alma**, **Fetch Code
 * Tables from Alma**, and setting or forgetting the API key. The work is the command line's
 * (`server/src/alma/`: lookups, throttle, retries, merge, the snapshot writer); this file finds
 * the document, the snapshot, the gateway and the key, shows progress with Cancel, and shows the
 * drift summary in a read-only document.
 *
 * The key lives in SecretStorage (the operating system's key store), one per gateway, so a key
 * is only ever sent to the gateway it was entered for. The gateway and the limits are settings
 * of the user (`scope: application`): a workspace cannot point the key elsewhere.
 * Nothing personal is written to the output channel: counts and reasons only.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ALMA_GATEWAYS } from '../../shared/src/alma/api';
import { sisCodeTableNames } from '../../shared/src/alma/codeTables';
import { driftText, refreshSummaryLine } from '../../shared/src/alma/driftText';
import type { RefreshCounts } from '../../shared/src/alma/refresh';
import { ratePolicyFrom } from '../../shared/src/alma/schedule';
import { snapshotPathFor } from '../../shared/src/analysis';
import { incomingUsers } from '../../shared/src/engine/incoming';
import { settingsFrom } from '../../shared/src/settings';
import { readSisDocument } from '../../shared/src/sis/read';
import { snapshotProfile } from '../../shared/src/snapshot/snapshot';
import { fetchCodeTables } from '../../server/src/alma/codeTables';
import { createTransport, GatewayError, parseGateway, type Gateway } from '../../server/src/alma/http';
import { refreshFromAlma, writeRefreshedSnapshot } from '../../server/src/alma/refresh';
import { AlmaStop } from '../../server/src/alma/runner';
import { loadSnapshot, type LoadedSnapshot } from '../../server/src/io/snapshotFile';
import { profileLayerFor, SECTION } from './config';
import type { Sessions } from './session';

/** Scheme of the read-only drift documents. */
export const REFRESH_SCHEME = 'alma-sis-refresh';

const KEY_PREFIX = 'almaSis.apiKey:';

export interface RefreshOptions {
  /** The SIS document (default: the active Alma SIS editor). */
  readonly uri?: string | vscode.Uri;
  /** The snapshot to refresh (default: the one the document uses, else one beside it). */
  readonly snapshot?: string;
  /** Cancels like the notification's Cancel button. */
  readonly token?: vscode.CancellationToken;
  /** Open the drift summary (default true). */
  readonly show?: boolean;
}

export interface RefreshResult {
  readonly written: boolean;
  readonly reason?: 'untrusted' | 'no-document' | 'no-gateway' | 'no-key' | 'cancelled' | 'invalid-key' | 'daily-limit' | 'budget' | 'unavailable' | 'error';
  readonly message?: string;
  readonly snapshot?: string;
  readonly counts?: RefreshCounts;
  /** The drift summary, as shown. */
  readonly drift?: string;
  /** The drift document, when shown. */
  readonly document?: string;
}

/** How a run with Alma ended. */
type AlmaOutcome<T> =
  | { kind: 'done'; value: T }
  | { kind: 'stopped'; stop: AlmaStop }
  | { kind: 'not-ready'; why: 'no-gateway' | 'no-key' }
  /** The answers came, but writing failed (the snapshot changed on disk meanwhile, a full disk). */
  | { kind: 'failed'; message: string };

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The read-only documents that show a refresh's drift summary (kept until closed). */
class DriftDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private n = 0;
  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? 'This refresh summary is no longer available.';
  }
  add(snapshotPath: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: REFRESH_SCHEME, path: `/${path.basename(snapshotPath)} from Alma (${++this.n})` });
    this.texts.set(uri.toString(), text);
    return uri;
  }
  forget(uri: vscode.Uri): void {
    this.texts.delete(uri.toString());
  }
}

export class FromAlma implements vscode.Disposable {
  private readonly drift = new DriftDocuments();
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly sessions: Sessions,
    private readonly output: vscode.OutputChannel,
    private readonly documentFor: (arg: string | vscode.Uri | undefined) => Promise<vscode.TextDocument | undefined>,
  ) {
    this.disposables = [
      vscode.workspace.registerTextDocumentContentProvider(REFRESH_SCHEME, this.drift),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (d.uri.scheme === REFRESH_SCHEME) this.drift.forget(d.uri);
      }),
    ];
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  // ---------------------------------------------------------------------------------------
  // gateway and key

  /** The gateway from the settings; asks (and remembers in the user settings) when none is set. */
  private async gateway(ask: boolean): Promise<Gateway | undefined> {
    const config = vscode.workspace.getConfiguration(SECTION);
    const url = config.get<string>('api.url', '').trim();
    const id = config.get<string>('api.gateway', '').trim();
    if (url || id) return parseGateway(url || id);
    if (!ask) return undefined;
    const pick = await vscode.window.showQuickPick(
      ALMA_GATEWAYS.map((g) => ({ label: g.region, description: g.url, id: g.id })),
      { title: "Alma's API gateway for your institution's region (saved in your user settings as almaSis.api.gateway)" },
    );
    if (!pick) return undefined;
    await config.update('api.gateway', pick.id, vscode.ConfigurationTarget.Global);
    return parseGateway(pick.id);
  }

  private async key(gateway: Gateway, ask: boolean): Promise<string | undefined> {
    const stored = await this.secrets.get(KEY_PREFIX + gateway.origin);
    if (stored || !ask) return stored;
    return this.askKey(gateway);
  }

  private async askKey(gateway: Gateway, again = false): Promise<string | undefined> {
    const key = await vscode.window.showInputBox({
      title: `Alma API key for ${gateway.region ?? gateway.origin}`,
      prompt: `${again ? 'Alma refused the stored key. ' : ''}A key from the Ex Libris Developer Network with read access to the Users API (and Configuration, for code tables). It is kept in VS Code's secret storage and sent only to ${gateway.origin}.`,
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === '' ? 'The key is empty.' : /\s/.test(v.trim()) ? 'A key has no spaces or line breaks.' : undefined),
    });
    if (!key) return undefined;
    await this.secrets.store(KEY_PREFIX + gateway.origin, key.trim());
    return key.trim();
  }

  /** Stores the key for the configured gateway (asked for when `key` is not given). */
  setApiKey = async (options: { key?: string } = {}): Promise<boolean> => {
    const gateway = await this.gatewayOrSay(true);
    if (!gateway) return false;
    if (options.key !== undefined) {
      if (options.key.trim() === '') return false;
      await this.secrets.store(KEY_PREFIX + gateway.origin, options.key.trim());
      return true;
    }
    return (await this.askKey(gateway)) !== undefined;
  };

  /** Forgets the key of the configured gateway. */
  clearApiKey = async (): Promise<boolean> => {
    const gateway = await this.gatewayOrSay(false);
    if (!gateway) return false;
    await this.secrets.delete(KEY_PREFIX + gateway.origin);
    void vscode.window.showInformationMessage(`The Alma API key for ${gateway.origin} is forgotten.`);
    return true;
  };

  private async gatewayOrSay(ask: boolean): Promise<Gateway | undefined> {
    try {
      return await this.gateway(ask);
    } catch (e) {
      if (!(e instanceof GatewayError)) throw e;
      const setting = vscode.workspace.getConfiguration(SECTION).get<string>('api.url', '').trim() ? 'almaSis.api.url' : 'almaSis.api.gateway';
      void vscode.window.showErrorMessage(`${setting}: ${e.message}`);
      return undefined;
    }
  }

  private policy() {
    const c = vscode.workspace.getConfiguration(SECTION);
    const { policy, problems } = ratePolicyFrom({ callsPerSecond: c.get('api.callsPerSecond'), dailyReserve: c.get('api.dailyReserve') });
    for (const p of problems) this.output.appendLine(`Alma API settings: ${p}; the default is used.`);
    return policy;
  }

  /** Gateway, key and a run with progress and Cancel; the key is asked for again once when Alma refuses it. */
  private async withAlma<T>(
    title: string,
    token: vscode.CancellationToken | undefined,
    work: (gateway: Gateway, key: string, signal: AbortSignal, progress: (done: number, total: number) => void) => Promise<T>,
  ): Promise<AlmaOutcome<T>> {
    const gateway = await this.gatewayOrSay(true);
    if (!gateway) return { kind: 'not-ready', why: 'no-gateway' };
    let key = await this.key(gateway, true);
    for (let attempt = 0; ; attempt++) {
      if (!key) return { kind: 'not-ready', why: 'no-key' };
      const used = key;
      const outcome = await vscode.window.withProgress<AlmaOutcome<T>>({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, progressToken) => {
        const controller = new AbortController();
        const cancel = () => controller.abort(new Error('cancelled'));
        const subs = [progressToken.onCancellationRequested(cancel), token?.onCancellationRequested(cancel)];
        if (token?.isCancellationRequested) cancel();
        let shown = 0;
        try {
          const value = await work(gateway, used, controller.signal, (done, total) => {
            progress.report({ message: `${done} of ${total}`, increment: ((done - shown) / Math.max(1, total)) * 100 });
            shown = done;
          });
          return { kind: 'done', value };
        } catch (e) {
          if (e instanceof AlmaStop) return { kind: 'stopped', stop: e };
          return { kind: 'failed', message: errorText(e) };
        } finally {
          for (const s of subs) s?.dispose();
        }
      });
      if (outcome.kind === 'stopped' && outcome.stop.reason === 'invalid-key' && attempt === 0 && !token) {
        const change = 'Enter Another Key';
        const answer = await vscode.window.showErrorMessage(outcome.stop.message, change);
        if (answer !== change) return outcome;
        key = await this.askKey(gateway, true);
        continue;
      }
      return outcome;
    }
  }

  // ---------------------------------------------------------------------------------------
  // Refresh Snapshot from Alma

  refreshSnapshot = async (options: RefreshOptions = {}): Promise<RefreshResult> => {
    if (!vscode.workspace.isTrusted) {
      const message = 'Refreshing writes the snapshot, so it is off in an untrusted workspace.';
      void vscode.window.showWarningMessage(message);
      return { written: false, reason: 'untrusted', message };
    }
    const doc = await this.documentFor(options.uri);
    if (!doc || doc.languageId !== 'alma-sis') {
      const message = 'Open the Alma SIS user file whose users to refresh first.';
      void vscode.window.showInformationMessage(message);
      return { written: false, reason: 'no-document', message };
    }
    const located = options.snapshot ?? (await this.sessions.snapshotFor(doc.uri))?.path;
    if (!located && doc.uri.scheme !== 'file') {
      const message = 'There is no snapshot, and an unsaved file has no folder to put one in: save the file or select a snapshot first.';
      void vscode.window.showInformationMessage(message);
      return { written: false, reason: 'error', message };
    }
    // No snapshot yet: the first one goes beside the file, named after it.
    const target = located ?? snapshotPathFor(doc.uri.fsPath);
    let loaded: LoadedSnapshot | undefined;
    if (await exists(target)) {
      try {
        loaded = await loadSnapshot(target);
      } catch (e) {
        const message = `Cannot refresh ${path.basename(target)}: ${errorText(e)}`;
        void vscode.window.showErrorMessage(message);
        return { written: false, reason: 'error', message };
      }
    }
    const layer = profileLayerFor(doc.uri);
    const { settings } = settingsFrom(loaded ? snapshotProfile(loaded.snapshot) : undefined, layer);
    const users = incomingUsers(readSisDocument(doc.getText()));
    const name = path.basename(target);

    const outcome = await this.withAlma(`Alma SIS: refreshing ${name} from Alma`, options.token, async (gateway, key, signal, progress) => {
      const transport = createTransport(gateway, key, { userAgent: 'alma-sis-sync (VS Code)' });
      try {
        const run = await refreshFromAlma(users, loaded?.snapshot, settings, {
          transport,
          policy: this.policy(),
          signal,
          profile: loaded ? undefined : layer,
          onProgress: progress,
        });
        const written = await writeRefreshedSnapshot(target, loaded ? { path: loaded.path, text: loaded.snapshot.text } : undefined, loaded?.snapshot, run, signal);
        return { run, written };
      } finally {
        transport.close();
      }
    });
    if (outcome.kind === 'not-ready') {
      const message = outcome.why === 'no-gateway' ? "No gateway: choose your region's Alma API gateway (setting almaSis.api.gateway)." : 'No API key was given: nothing was fetched.';
      return { written: false, reason: outcome.why, message };
    }
    if (outcome.kind === 'failed') {
      void vscode.window.showErrorMessage(outcome.message);
      return { written: false, reason: 'error', message: outcome.message, snapshot: target };
    }
    if (outcome.kind === 'stopped') {
      const stop = outcome.stop;
      this.output.appendLine(`Refresh from Alma stopped (${stop.reason}).`);
      if (stop.reason === 'cancelled') void vscode.window.showInformationMessage(`Refresh cancelled: ${name} is unchanged.`);
      else if (stop.reason !== 'invalid-key' || options.token) void vscode.window.showErrorMessage(stop.message);
      return { written: false, reason: stop.reason, message: stop.message, snapshot: target };
    }
    const { run, written } = outcome.value;
    this.sessions.clear();
    const text = driftText(run.drift, run.notInAlma, run.counts, name) + run.failures.map((f) => `Not refreshed: ${JSON.stringify(f.id)}: ${f.message}\n`).join('');
    const summary = refreshSummaryLine(run.counts, name);
    this.output.appendLine(`Refresh from Alma: ${run.stats.requests} calls, ${run.stats.throttled} throttled; ${written ? 'written' : 'already current'}.`);
    let shown: vscode.Uri | undefined;
    if (options.show !== false) {
      shown = this.drift.add(target, text);
      await vscode.window.showTextDocument(shown, { preview: true, viewColumn: vscode.ViewColumn.Beside, preserveFocus: true });
    }
    void vscode.window.showInformationMessage(written ? summary : `${name} already matches Alma: nothing written.`);
    return { written, snapshot: target, counts: run.counts, drift: text, document: shown?.toString(), message: summary };
  };

  // ---------------------------------------------------------------------------------------
  // Fetch Code Tables from Alma

  fetchCodeTables = async (options: { out?: string; tables?: string[]; token?: vscode.CancellationToken } = {}): Promise<{ written?: string; tables?: number; missing?: string[]; message?: string; reason?: string }> => {
    if (!vscode.workspace.isTrusted) {
      const message = 'Fetching code tables writes a file, so it is off in an untrusted workspace.';
      void vscode.window.showWarningMessage(message);
      return { message, reason: 'untrusted' };
    }
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const setting = vscode.workspace.getConfiguration(SECTION, folder).get<string>('codeTablesPath', '').trim();
    let out = options.out ?? (setting && folder ? path.resolve(folder.fsPath, setting) : undefined);
    if (!out) {
      const u = await vscode.window.showSaveDialog({
        title: 'Save the code tables as',
        defaultUri: folder ? vscode.Uri.joinPath(folder, 'code-tables.json') : undefined,
        filters: { 'Alma SIS code tables': ['json'] },
      });
      if (!u) return { reason: 'cancelled' };
      out = u.fsPath;
    }
    const target = out;
    const outcome = await this.withAlma('Alma SIS: fetching code tables from Alma', options.token, async (gateway, key, signal, progress) => {
      const transport = createTransport(gateway, key, { userAgent: 'alma-sis-sync (VS Code)' });
      try {
        return await fetchCodeTables(options.tables ?? sisCodeTableNames(), target, { transport, policy: this.policy(), signal, onProgress: progress });
      } finally {
        transport.close();
      }
    });
    if (outcome.kind === 'not-ready') return { reason: outcome.why };
    if (outcome.kind === 'failed') {
      void vscode.window.showErrorMessage(outcome.message);
      return { reason: 'error', message: outcome.message };
    }
    if (outcome.kind === 'stopped') {
      if (outcome.stop.reason !== 'cancelled') void vscode.window.showErrorMessage(outcome.stop.message);
      return { reason: outcome.stop.reason, message: outcome.stop.message };
    }
    const fetched = outcome.value;
    const missing = fetched.missing.map((m) => `${m.name}: ${m.message}`);
    if (fetched.rows.size === 0) {
      const message = `No code table could be read; ${path.basename(target)} is unchanged.`;
      void vscode.window.showErrorMessage(message, { detail: missing.join('\n'), modal: !options.out });
      return { tables: 0, missing, message };
    }
    // Point the setting at the file when it pointed nowhere, so the checks use it.
    if (!setting && folder) {
      const rel = path.relative(folder.fsPath, target);
      await vscode.workspace.getConfiguration(SECTION, folder).update('codeTablesPath', rel.startsWith('..') ? target : rel, vscode.ConfigurationTarget.Workspace);
    }
    const message = `Wrote ${path.basename(target)}: ${fetched.rows.size} code tables${missing.length > 0 ? `; ${missing.length} not in Alma (${fetched.missing.map((m) => m.name).join(', ')})` : ''}.`;
    void vscode.window.showInformationMessage(message);
    return { written: target, tables: fetched.rows.size, missing, message };
  };
}

async function exists(file: string): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(vscode.Uri.file(file));
    return true;
  } catch {
    return false;
  }
}
