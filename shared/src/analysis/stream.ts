/**
 * The pipeline over a file read piece by piece, never held whole (the command line's validate,
 * plan and apply): each user is analysed as soon as it is complete (from the scanner's table,
 * no element tree unless the caller asks for one), checked against the users before it for
 * duplicates, handed to the caller and forgotten; at the end comes the frame around the users.
 * Memory follows the largest user and what is kept across users (the identifier values seen,
 * one number per line), not the file. Results are those of `DocumentAnalysis` on the whole text.
 */
import type { Problem } from '../diagnostics';
import { SisStreamReader, type StreamedUser } from '../sis/read';
import type { SisDocumentFrame } from '../sis/types';
import { LineStarts } from '../text/lines';
import { DuplicateChecker, frameProblems } from '../validate/file';
import type { AnalysisInputs } from './inputs';
import { analyseScannedUser, type UserAnalysis } from './user';

export interface StreamedUserAnalysis {
  /** The user as read: its table, and its element tree when asked (`user.chunk`), only during the call. */
  readonly user: StreamedUser;
  /** The user's own problems (relative to `user.start`) and keys. */
  readonly analysis: UserAnalysis;
}

export interface StreamedFile {
  readonly frame: SisDocumentFrame & { readonly userCount: number };
  /** The reader's problems outside the users, then the frame's (root, stray elements): absolute. */
  readonly frameProblems: readonly Problem[];
  /** Problems across users (duplicates): absolute. */
  readonly fileWideProblems: readonly Problem[];
  /** Where every line starts (LF, CRLF and CR, as an editor counts). */
  readonly lines: LineStarts;
}

export class SisFeedReader {
  private readonly reader: SisStreamReader;
  private readonly duplicates: DuplicateChecker;
  /** Problems across users, found as each user arrives (absolute offsets). */
  private readonly acrossUsers: Problem[] = [];
  /** Where every line starts (LF, CRLF and CR, as an editor counts). */
  readonly lines: LineStarts;

  constructor(
    private readonly inputs: Pick<AnalysisInputs, 'settings' | 'validation'>,
    onUser: (user: StreamedUserAnalysis) => void,
  ) {
    this.duplicates = new DuplicateChecker(inputs.settings);
    this.reader = new SisStreamReader((user) => {
      const analysis = analyseScannedUser(user, inputs);
      for (const q of this.duplicates.next(analysis.keys)) this.acrossUsers.push({ ...q, start: q.start + user.start, end: q.end + user.start });
      onUser({ user, analysis });
    });
    this.lines = this.reader.lines;
  }

  /** The next piece of the text; users it completes are handed on before this returns. */
  push(piece: string): void {
    this.reader.push(piece);
  }

  end(): StreamedFile {
    const frame = this.reader.end();
    const settings = this.inputs.settings;
    return {
      frame,
      frameProblems: [...frame.problems, ...frameProblems(frame, frame.userCount, settings)],
      fileWideProblems: this.acrossUsers,
      lines: this.lines,
    };
  }
}
