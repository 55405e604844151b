/**
 * The `almaSis` settings as the extension hands them on. The profile keys are passed only where
 * the user set them (workspace folder, workspace or user settings), so that a snapshot's own
 * `profile` still applies where they did not: "Only the ones you set are used, and they override
 * the snapshot's own profile" (docs/editors.md). `settingsFrom` in shared/ normalises them for everyone.
 */
import * as vscode from 'vscode';

import { EDITOR_KEYS, PROFILE_KEYS, SECTION } from './settingKeys';

export { EDITOR_KEYS, PROFILE_KEYS, SECTION };

function explicitValue<T>(config: vscode.WorkspaceConfiguration, key: string): T | undefined {
  const i = config.inspect<T>(key);
  if (!i) return undefined;
  return i.workspaceFolderValue ?? i.workspaceValue ?? i.globalValue;
}

/** The settings object for one resource, as the language server and the core read it. */
export function settingsFor(scope: vscode.Uri | undefined): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  const out: Record<string, unknown> = {};
  for (const k of PROFILE_KEYS) out[k] = explicitValue(config, k) ?? null;
  for (const k of EDITOR_KEYS) out[k] = config.get(k) ?? null;
  return out;
}

/** Only the profile keys the user set (for `settingsFrom(snapshot.profile, this)`). */
export function profileLayerFor(scope: vscode.Uri | undefined): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  const out: Record<string, unknown> = {};
  for (const k of PROFILE_KEYS) {
    const v = explicitValue(config, k);
    if (v !== undefined && v !== null && v !== '') out[k] = v;
  }
  return out;
}

export function autoDetectEnabled(scope: vscode.Uri | undefined): boolean {
  return vscode.workspace.getConfiguration(SECTION, scope).get<boolean>('autoDetect', true);
}

export interface RunSyncLimits {
  readonly clearedFields: number;
  readonly revertedOverrides: number;
}

export function runSyncLimits(scope: vscode.Uri | undefined): RunSyncLimits {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const n = (key: string, d: number) => {
    const v = c.get<number>(key, d);
    return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : d;
  };
  return { clearedFields: n('runSync.warnAboveClearedFields', 20), revertedOverrides: n('runSync.warnAboveRevertedOverrides', 0) };
}
