/** Where the shared corpus and schema are (`../shared` beside the repository), and small helpers for the corpus tests. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '../..');
export const SHARED = path.resolve(REPO, '../shared');
export const CORPUS_SIS = path.join(SHARED, 'corpus', 'sis');
export const VERDICTS = path.join(SHARED, 'corpus', 'verdicts.json');
export const XSD = path.join(SHARED, 'schema', 'rest_users.xsd');
export const HAVE_SHARED = fs.existsSync(CORPUS_SIS) && fs.existsSync(VERDICTS);
export const XMLLINT = '/usr/bin/xmllint';
export const HAVE_XMLLINT = fs.existsSync(XMLLINT) && fs.existsSync(XSD);

/** A fixed "today" so expiry checks give the same answer on every day the tests run. */
export const TODAY = '2026-01-01';

export function corpusFile(name: string): string {
  return fs.readFileSync(path.join(CORPUS_SIS, name), 'utf8');
}
