/**
 * The pipeline over a file read piece by piece, never held whole (the command line's validate,
 * plan and apply): each user is analysed as soon as it is complete (from the scanner's table,
 * no element tree unless the caller asks for one), checked against the users before it for
 * duplicates, handed to the caller and forgotten; at the end comes the frame around the users.
 * Memory follows the largest user and what is kept across users (the identifier values seen,
 * one number per line), not the file. Results are those of `DocumentAnalysis` on the whole text.
 * A feed of several files (a zip) is read file after file through the same reader.
 */
import type { Problem } from '../diagnostics';
import { SisStreamReader, type StreamedUser } from '../sis/read';
import type { SisDocumentFrame } from '../sis/types';
import type { LineStarts } from '../text/lines';
import { DuplicateChecker, frameProblems, type EarlierFileProblem } from '../validate/file';
import type { AnalysisInputs } from './inputs';
import { analyseScannedUser, type UserAnalysis } from './user';

export interface StreamedUserAnalysis {
  /** The user as read: its table, and its element tree when asked (`user.chunk`), only during the call. */
  readonly user: StreamedUser;
  /** The user's own problems (relative to `user.start`) and keys. */
  readonly analysis: UserAnalysis;
  /** The file of the feed it is in (0 for the first), and its position in the whole feed. */
  readonly file: number;
  readonly feedIndex: number;
}

export interface StreamedFile {
  readonly frame: SisDocumentFrame & { readonly userCount: number };
  /** The reader's problems outside the users, then the frame's (root, stray elements): absolute. */
  readonly frameProblems: readonly Problem[];
  /** Problems across users (duplicates, also with users of earlier files of the feed): absolute. */
  readonly fileWideProblems: readonly Problem[];
  /** Where every line starts (LF, CRLF and CR, as an editor counts). */
  readonly lines: LineStarts;
}

/**
 * Reads a feed: one file, or several files that Alma reads as one run (the XML files of one
 * uploaded zip), one after the other. Duplicates are checked across all of them ("… already
 * taken AcrossInstitution in this feed"), and users are numbered on across files.
 */
export class SisFeedReader {
  private reader!: SisStreamReader;
  private readonly duplicates: DuplicateChecker;
  /** Problems across users of the current file, found as each user arrives (absolute offsets). */
  private acrossUsers: Problem[] = [];
  /** Where the current file's lines start. */
  lines!: LineStarts;
  private file = -1;
  private fileName: string | undefined;
  /** Users of the files before the current one. */
  private usersBefore = 0;
  private open = false;

  constructor(
    private readonly inputs: Pick<AnalysisInputs, 'settings' | 'validation'>,
    private readonly onUser: (user: StreamedUserAnalysis) => void,
    /** The first file's name as people see it (for messages that point across files). */
    firstFileName?: string,
  ) {
    this.duplicates = new DuplicateChecker(inputs.settings);
    this.nextFile(firstFileName);
  }

  /** Starts the next file of the feed, after `end()` of the one before (the first starts by itself). */
  nextFile(name?: string): void {
    if (this.open) throw new Error('end() the current file first');
    this.file++;
    this.fileName = name;
    this.open = true;
    this.acrossUsers = [];
    const file = this.file;
    const usersBefore = this.usersBefore;
    this.reader = new SisStreamReader((user) => {
      const analysis = analyseScannedUser(user, this.inputs);
      const place = { file, fileName: this.fileName, start: user.start, indexInFile: user.index };
      for (const q of this.duplicates.next(analysis.keys, place)) this.acrossUsers.push({ ...q, start: q.start + user.start, end: q.end + user.start });
      this.onUser({ user, analysis, file, feedIndex: usersBefore + user.index });
    });
    this.lines = this.reader.lines;
  }

  /** The next piece of the current file's text; users it completes are handed on before this returns. */
  push(piece: string): void {
    this.reader.push(piece);
  }

  /** Ends the current file. */
  end(): StreamedFile {
    this.open = false;
    const frame = this.reader.end();
    this.usersBefore += frame.userCount;
    const settings = this.inputs.settings;
    return {
      frame,
      frameProblems: [...frame.problems, ...frameProblems(frame, frame.userCount, settings)],
      fileWideProblems: this.acrossUsers,
      lines: this.lines,
    };
  }

  /**
   * Problems that later files found on users of earlier ones (`repeated-in-later-file`, absolute
   * offsets in the earlier file): complete once the last file is ended.
   */
  earlierFileProblems(): readonly EarlierFileProblem[] {
    return this.duplicates.earlierFileProblems;
  }
}
