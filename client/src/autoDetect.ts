/**
 * Claims `.xml` documents whose root is `<users>` or `<userRecords>` for the `alma-sis`
 * language, leaving every other XML document alone: only documents VS Code opened as `xml`
 * are looked at, and only their first few thousand characters. A document the user switched
 * back to XML by hand is not claimed again. The `almaSis.autoDetect` setting turns this off.
 */
import * as vscode from 'vscode';
import { autoDetectEnabled } from './config';
import { isSisXml, SNIFF_LENGTH } from '../../shared/src/sis/detect';
import { LANGUAGE_ID } from './languageClient';

export class AutoDetect implements vscode.Disposable {
  private readonly claimed = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.disposables.push(vscode.workspace.onDidOpenTextDocument((d) => void this.consider(d)));
    for (const d of vscode.workspace.textDocuments) void this.consider(d);
  }

  async consider(doc: vscode.TextDocument): Promise<boolean> {
    const key = doc.uri.toString();
    if (doc.languageId === LANGUAGE_ID) {
      this.claimed.add(key);
      return false;
    }
    if (doc.languageId !== 'xml') return false;
    // We claimed it before and it is XML again: the user chose XML; respect that.
    if (this.claimed.has(key)) return false;
    if (!autoDetectEnabled(doc.uri)) return false;
    const head = doc.getText(new vscode.Range(doc.positionAt(0), doc.positionAt(SNIFF_LENGTH)));
    if (!isSisXml(head)) return false;
    this.claimed.add(key);
    try {
      await vscode.languages.setTextDocumentLanguage(doc, LANGUAGE_ID);
      return true;
    } catch {
      return false; // closed meanwhile
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
