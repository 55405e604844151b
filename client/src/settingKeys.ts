/** The `almaSis` setting keys the extension passes on (pure, so tests can check the manifest). */
export const SECTION = 'almaSis';

/** The profile's settings (the README's settings table): passed on only where the user set them. */
export const PROFILE_KEYS = ['matchBy', 'mode', 'recordType', 'profileCode', 'emptyProtectedField', 'protectedFields', 'validation', 'syncRecordType', 'unmatchedRecord'] as const;
/** Keys of the editor alone: passed on with their effective value (default included). */
export const EDITOR_KEYS = ['snapshotPath', 'codeTablesPath', 'revertSeverity', 'inlayHints', 'codeLens', 'autoDetect', 'feed', 'workspaceDiagnostics'] as const;
