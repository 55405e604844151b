/**
 * The `almaSis` settings as an editor sends them (in `workspace/configuration` answers, in
 * `didChangeConfiguration`, in `initializationOptions`), normalised in one place: the options
 * only the editor uses, and the profile settings (`settings.ts`) with the snapshot's `profile`
 * below the editor's layers. The keys are listed in docs/editors.md.
 */
import { settingsFrom, type Settings, type SettingProblem } from './settings';
import type { Severity } from './diagnostics';

/** The settings only the editor uses, beside the profile settings (which `settingsFrom` normalises). */
export interface EditorOptions {
  /** The snapshot to use, relative to the workspace folder (see `analysis/snapshotLocator.ts`). */
  readonly snapshotPath?: string;
  /** The institution's code tables (JSON), relative to the workspace folder. */
  readonly codeTablesPath?: string;
  /** Severity of `reverts-override` (information by default). */
  readonly revertSeverity: Severity;
  /** Inlay hints after values the sync will not write as the file says. */
  readonly inlayHints: boolean;
  /** Code lenses on users and protected fields. */
  readonly codeLens: boolean;
  /** Check every SIS file of the workspace folder, also those not open. */
  readonly workspaceDiagnostics: boolean;
  /** A glob (relative to the workspace folder) of the files Alma reads as one feed; undefined: each file alone. */
  readonly feed?: string;
  /** `.xml` files whose root is `<users>` are SIS files (else only `*.sis.xml`). */
  readonly autoDetect: boolean;
}

export const DEFAULT_EDITOR_OPTIONS: EditorOptions = { revertSeverity: 'information', inlayHints: true, codeLens: true, workspaceDiagnostics: true, autoDetect: true };

/** VS Code does not hand files above this size to extensions; the workspace check skips them too. */
export const EDITOR_FILE_LIMIT_BYTES = 50 * 1024 * 1024;

const SEVERITIES: readonly Severity[] = ['error', 'warning', 'information', 'hint'];

/** Raw settings may come flat (`{ matchBy }`) or under the section (`{ almaSis: { matchBy } }`). */
export function unwrapSection(raw: unknown): Record<string, unknown> | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const r = raw as Record<string, unknown>;
  const inner = r.almaSis;
  if (inner !== null && typeof inner === 'object' && !Array.isArray(inner)) return inner as Record<string, unknown>;
  return r;
}

/** Merge layers (lowest priority first) into editor options; bad values are reported and skipped. */
export function editorOptionsFrom(...layers: unknown[]): { options: EditorOptions; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  let o: EditorOptions = DEFAULT_EDITOR_OPTIONS;
  for (const layer of layers) {
    const raw = unwrapSection(layer);
    if (!raw) continue;
    const next: { -readonly [K in keyof EditorOptions]: EditorOptions[K] } = { ...o };
    const path = (key: 'snapshotPath' | 'codeTablesPath' | 'feed') => {
      const v = raw[key];
      if (v === undefined || v === null) return;
      if (typeof v === 'string') next[key] = v.trim() === '' ? undefined : v.trim();
      else problems.push({ key, message: `${key}: expected a path, got ${typeof v}` });
    };
    path('snapshotPath');
    path('codeTablesPath');
    path('feed');
    if (raw.revertSeverity !== undefined && raw.revertSeverity !== null) {
      const v = SEVERITIES.find((s) => s === String(raw.revertSeverity).toLowerCase());
      if (v) next.revertSeverity = v;
      else problems.push({ key: 'revertSeverity', message: 'revertSeverity: expected "error", "warning", "information" or "hint"' });
    }
    for (const key of ['inlayHints', 'codeLens', 'workspaceDiagnostics', 'autoDetect'] as const) {
      const v = raw[key];
      if (v === undefined || v === null) continue;
      if (typeof v === 'boolean') next[key] = v;
      else problems.push({ key, message: `${key}: expected true or false` });
    }
    o = next;
  }
  return { options: o, problems };
}

/** The profile settings for one document: the snapshot's `profile`, then the editor's layers. */
export function profileSettings(snapshotProfile: unknown, ...editorLayers: unknown[]): { settings: Settings; problems: SettingProblem[] } {
  return settingsFrom(snapshotProfile, ...editorLayers.map((l) => stripNulls(unwrapSection(l))));
}

/** Clients send `null` for settings that are not set; treat them as absent. */
function stripNulls(raw: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!raw) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (v !== null && v !== undefined && v !== '') out[k] = v;
  return out;
}
