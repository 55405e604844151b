/**
 * Starting the bundled language server (`dist/server.js`) and keeping it alive: if it dies it
 * is restarted and the user is told once; after repeated crashes it stays down with one message
 * and a way to restart it by hand (never a restart loop).
 */
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  TransportKind,
  type CloseHandlerResult,
  type ErrorHandler,
  type ErrorHandlerResult,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { SnapshotChangedNotification, SnapshotInfoRequest, type SnapshotInfo } from '../../shared/src/protocol';
import { SECTION, settingsFor } from './config';
import { RestartPolicy } from './restartPolicy';

export const LANGUAGE_ID = 'alma-sis';

export class ServerConnection implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<void> | undefined;
  private readonly policy = new RestartPolicy();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the server says the snapshot or code tables changed (and after a (re)start). */
  readonly onSnapshotChanged = this.changed.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.OutputChannel,
  ) {}

  get running(): boolean {
    return this.client?.isRunning() ?? false;
  }

  start(): Promise<void> {
    if (!this.starting) this.starting = this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    const module = this.context.asAbsolutePath('dist/server.js');
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
    };
    const policy = this.policy;
    const output = this.output;
    const errorHandler: ErrorHandler = {
      error: (): ErrorHandlerResult => ({ action: ErrorAction.Continue }),
      closed: (): CloseHandlerResult => {
        const d = policy.onCrash(Date.now());
        if (d.notify === 'restarted') {
          void vscode.window.showWarningMessage('The Alma SIS language server stopped unexpectedly and was restarted.');
        } else if (d.notify === 'gave-up') {
          void vscode.window
            .showErrorMessage('The Alma SIS language server keeps stopping, so it was not restarted again. Its log is in the "Alma SIS" output.', 'Show Log', 'Restart')
            .then((choice) => {
              if (choice === 'Show Log') output.show(true);
              else if (choice === 'Restart') void vscode.commands.executeCommand('almaSis.restartServer');
            });
        }
        // handled: the library must not add a message of its own
        return { action: d.restart ? CloseAction.Restart : CloseAction.DoNotRestart, handled: true };
      },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { language: LANGUAGE_ID, scheme: 'file' },
        { language: LANGUAGE_ID, scheme: 'untitled' },
      ],
      outputChannel: output,
      initializationOptions: settingsFor(undefined),
      // The server registers its own file watchers (snapshots, code tables) dynamically.
      synchronize: { configurationSection: SECTION },
      errorHandler,
      middleware: {
        workspace: {
          // Answer `workspace/configuration` for our section ourselves: profile keys only where
          // set, so that the snapshot's `profile` applies otherwise (see config.ts).
          configuration: async (params, token, next) => {
            const result = await next(params, token);
            if (!Array.isArray(result)) return result;
            return params.items.map((item, i) =>
              item.section === SECTION ? settingsFor(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined) : result[i],
            );
          },
        },
      },
    };
    this.client = new LanguageClient('almaSis', 'Alma SIS', serverOptions, clientOptions);
    this.context.subscriptions.push(this.client.onNotification(SnapshotChangedNotification, () => this.changed.fire()));
    this.client.onDidChangeState(() => this.changed.fire());
    await this.client.start();
  }

  /** Which snapshot the server uses for a document; undefined when the server cannot say. */
  async snapshotInfo(uri: vscode.Uri): Promise<SnapshotInfo | undefined> {
    if (!this.client || !this.client.isRunning()) return undefined;
    try {
      return await this.client.sendRequest<SnapshotInfo>(SnapshotInfoRequest, { uri: uri.toString() });
    } catch {
      return undefined;
    }
  }

  async restart(): Promise<void> {
    this.policy.reset();
    if (this.client) {
      try {
        await this.client.restart();
        return;
      } catch (e) {
        this.output.appendLine(`Restart failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    this.starting = undefined;
    await this.start();
  }

  async dispose(): Promise<void> {
    this.changed.dispose();
    await this.client?.stop();
  }
}
