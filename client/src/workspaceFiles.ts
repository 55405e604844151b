/**
 * Whether the workspace holds an SIS file, so that the language server (which checks every SIS
 * file of the workspace, `almaSis.workspaceDiagnostics`) starts before any is opened. Looks at
 * `*.sis.xml` names first, then at the first 4 KB of at most a few hundred `.xml` files, outside
 * `files.exclude` and `search.exclude`; the server does the real walk.
 */
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { isSisXml, SNIFF_LENGTH } from '../../shared/src/sis/detect';
import { SECTION } from './settingKeys';

const LOOK_AT = 300;

function wanted(): boolean {
  return (vscode.workspace.workspaceFolders ?? []).some((f) => {
    const c = vscode.workspace.getConfiguration(SECTION, f.uri);
    return c.get<boolean>('workspaceDiagnostics', true) || (c.get<string>('feed') ?? '').trim() !== '';
  });
}

/** `{a,b}` of the `search.exclude` patterns set to true (findFiles applies `files.exclude` itself). */
function searchExcludes(): string | undefined {
  const patterns = Object.entries(vscode.workspace.getConfiguration('search').get<Record<string, unknown>>('exclude') ?? {})
    .filter(([, v]) => v === true)
    .map(([k]) => k);
  return patterns.length > 0 ? `{${patterns.join(',')}}` : undefined;
}

async function head(uri: vscode.Uri): Promise<string> {
  const handle = await fs.open(uri.fsPath, 'r');
  try {
    const buf = Buffer.alloc(SNIFF_LENGTH);
    const { bytesRead } = await handle.read(buf, 0, SNIFF_LENGTH, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

export async function workspaceHasSisFile(): Promise<boolean> {
  if (!wanted()) return false;
  const exclude = searchExcludes();
  if ((await vscode.workspace.findFiles('**/*.{sis,alma-sis}.xml', exclude, 1)).length > 0) return true;
  const autoDetect = vscode.workspace.getConfiguration(SECTION).get<boolean>('autoDetect', true);
  if (!autoDetect) return false;
  for (const uri of await vscode.workspace.findFiles('**/*.xml', exclude, LOOK_AT)) {
    try {
      if (uri.scheme === 'file' && isSisXml(await head(uri))) return true;
    } catch {
      // unreadable: not ours to judge
    }
  }
  return false;
}
