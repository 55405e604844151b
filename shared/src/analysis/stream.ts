/**
 * The pipeline over a file read piece by piece, never held whole (the command line's validate,
 * plan and apply): each user is analysed (`analyseUser`) as soon as it is complete, handed to
 * the caller and forgotten; at the end come the frame around the users and the file-wide step,
 * made from the keys kept per user. Memory follows the largest user and what is kept per user
 * (its keys, one number per line), not the file. Results are those of `DocumentAnalysis` on
 * the whole text.
 */
import type { Problem } from '../diagnostics';
import { SisStreamReader, type StreamedUser } from '../sis/read';
import type { SisDocumentFrame } from '../sis/types';
import { LineStarts } from '../text/lines';
import { fileWideProblems, frameProblems, type KeyedUser } from '../validate/file';
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
  private readonly keyed: KeyedUser[] = [];
  readonly lines = new LineStarts();

  constructor(
    private readonly inputs: Pick<AnalysisInputs, 'settings' | 'validation'>,
    onUser: (user: StreamedUserAnalysis) => void,
  ) {
    this.reader = new SisStreamReader((user) => {
      const analysis = analyseScannedUser(user, inputs);
      this.keyed.push({ start: user.start, keys: analysis.keys });
      onUser({ user, analysis });
    });
  }

  /** The next piece of the text; users it completes are handed on before this returns. */
  push(piece: string): void {
    this.lines.push(piece);
    this.reader.push(piece);
  }

  end(): StreamedFile {
    this.lines.end();
    const frame = this.reader.end();
    const settings = this.inputs.settings;
    return {
      frame,
      frameProblems: [...frame.problems, ...frameProblems(frame, frame.userCount, settings)],
      fileWideProblems: fileWideProblems(this.keyed, settings),
      lines: this.lines,
    };
  }
}
