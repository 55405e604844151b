/**
 * Where the reference material lives (Alma's XSD, the corpus of real SIS files): `../shared`
 * beside the repository, or `ALMA_SIS_SHARED` when set (a git worktree elsewhere, a CI layout).
 * Tests and tools that need it skip, with a message, when it is absent.
 */
import * as path from 'node:path';

export function sharedDir(repo: string): string {
  const fromEnv = process.env.ALMA_SIS_SHARED;
  return fromEnv ? path.resolve(fromEnv) : path.resolve(repo, '..', 'shared');
}
