import { CancellationToken, LSPErrorCodes, ResponseError } from 'vscode-languageserver';

/** Where the server logs; messages must never carry personal data (no field values, no text). */
export interface Logger {
  info(message: string): void;
  error(message: string): void;
}

/**
 * Describes an error for the log without its message: messages may quote values from the
 * file (names, identifiers). The error's class and the first frame of our own code say
 * where it happened, which is enough to find the bug.
 */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return typeof err;
  const frame = (err.stack ?? '')
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .find((l) => l.startsWith('at '));
  // Keep only the location (function and file:line:col), not anything in between.
  return frame ? `${err.name} ${frame.replace(/\(.*[\\/]/, '(')}` : err.name;
}

/**
 * Every request handler goes through here once (the JSON language server's `runSafe`): a
 * cancelled request answers "cancelled", an error is logged without personal data and the
 * client gets a safe default instead of a failure.
 */
export async function runSafe<T>(
  log: Logger,
  what: string,
  fallback: T,
  token: CancellationToken | undefined,
  run: () => T | Promise<T>,
): Promise<T | ResponseError<void>> {
  if (token?.isCancellationRequested) return cancelled();
  try {
    const result = await run();
    if (token?.isCancellationRequested) return cancelled();
    return result;
  } catch (err) {
    if (err instanceof Cancelled) return cancelled();
    log.error(`${what} failed: ${describeError(err)}`);
    return fallback;
  }
}

/** Thrown by long-running work that noticed its token was cancelled or its document changed. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'Cancelled';
  }
}

function cancelled(): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, 'Request cancelled');
}

/** Notification handlers go through here: an error is logged without personal data, never thrown back. */
export function guard<P>(log: Logger, what: string, run: (params: P) => void): (params: P) => void {
  return (params) => {
    try {
      run(params);
    } catch (err) {
      log.error(`${what} failed: ${describeError(err)}`);
    }
  };
}
