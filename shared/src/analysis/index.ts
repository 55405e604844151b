/**
 * The one analysis pipeline of an SIS file, for every host (the language server, the
 * extension's preview worker, the command line), which only read files and convert the
 * results for their screen (docs/architecture.md):
 *
 *   inputs    analysisInputs(settings, { snapshot, codeTables, today })      once per distinct inputs
 *   per user  analyseUser(chunk) → { problems, keys }                        cache per chunk.key
 *             planUserChunk(inputs, chunk, feed) → UserPlan → planView(...)  cache per chunk.key and planContextKey
 *   per feed  feedFacts(users' keys) → duplicates across users, the engine's feed
 *   document  DocumentAnalysis: all of the above, lazily, reusing results after an edit
 *   stream    SisFeedReader: the same steps over a file read piece by piece, each user forgotten
 *   shown     FindingGrouper: a harmless finding repeated across users, once per file and code
 *             GroupedUserFindings: the same groups, kept up to date one user at a time (an open document)
 *
 * The extension's preview: `computeSync` (`sync.ts`), behind the request service of its worker
 * thread (`syncService.ts`); import them from their files.
 *
 * Besides: which snapshot a document uses (`snapshotLocator.ts`), reading the snapshot and the
 * code tables from text (`sources.ts`), and codes and labels for a field (`codes.ts`).
 */
export { analysisInputs, localDay, type AnalysisInputs, type InputSources } from './inputs';
export { SisFeedReader, type StreamedFile, type StreamedUserAnalysis } from './stream';
export { analyseUser, analyseScannedUser, planContextKey, planUserChunk, rebasePlan, mayHaveSnapshotProblems, matchedEntry, protectedFieldsOf, type UserAnalysis } from './user';
export { feedFacts, sameFeedKeys, moveToKeys, type FeedFacts, type FeedUser } from './feed';
export { planView, snapshotProblems, listOf, isCompared, listElement, type UserPlanView, type FieldView, type SegmentView, type RejectionView } from './view';
export { DocumentAnalysis, analysisCaches, type AnalysisCaches, type DocumentFacts } from './document';
export { FindingGrouper, GroupedUserFindings, GROUPED_CODES, GROUPED_RELATED_LIMIT, asFinding, groupDocumentProblems, groupedMessage, groupedProblem, isGroupedFinding, thousands, type Finding, type FindingGroup, type GroupCount, type UserFinding } from './grouping';
export { codeLabel, codeOffers, type CodeOffer } from './codes';
export { readSnapshotText, snapshotProblemText, readCodeTablesText, codeTableProblemText, type SnapshotRead, type CodeTablesRead } from './sources';
export * from './snapshotLocator';
