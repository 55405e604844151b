/**
 * Validation of SIS files: per user, across users, and the frame; strict (XSD) or lenient (Alma).
 *
 * - `analyzeUser`/`validateUser` (user.ts): one user, offsets relative to its chunk; pure, so the
 *   language server caches it per `XmlElement`. `keys` feed `fileWideProblems` (file.ts).
 * - `validateDocument` (document.ts): everything, absolute offsets, sorted (the command line).
 *
 * Adding a rule: add its code to `DIAGNOSTIC_CODES`, report it where the facts are (user.ts for
 * one user, file.ts across users), pick the severity with `xsdSeverity` (an XSD verdict) or
 * `almaSeverity` (one of Alma's rules: capped at warning in strict mode), add a valid and an
 * invalid case under test/fixtures/validate/, and regenerate the README table
 * (`UPDATE_README_CODES=1 npx vitest run test/validate/readme.test.ts`).
 */
export { analyzeScan, analyzeUser, validateUser, type UserAnalysis } from './user';
export { DuplicateChecker, duplicateProblems, fileWideProblems, frameProblems, type KeyedUser } from './file';
export { validateDocument, shiftProblem, compareProblems, type ValidateOptions } from './document';
export { type ValidationContext } from './context';
export {
  parseCodeTables,
  makeCodeTable,
  EMPTY_CODE_TABLES,
  type CodeTables,
  type CodeTable,
  type CodeEntry,
  type CodeTableProblem,
} from './codeTables';
export { isXsdDate, isXsdDateTime, isXsdBoolean, isXsdInt, isXsdLong, isXsdFloat, fixDate } from './values';
