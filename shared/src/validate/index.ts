/** Validation of SIS files: per user, across users, and the frame; strict (XSD) or lenient (Alma). */
export { analyzeUser, validateUser, type UserAnalysis } from './user';
export { fileWideProblems, frameProblems, type KeyedUser } from './file';
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
