/** Where the shared corpus and schema are (`../shared` beside the repository, or `ALMA_SIS_SHARED`), and small helpers for the corpus tests. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sharedDir } from '../../tools/sharedDir';

export const REPO = path.resolve(__dirname, '../..');
export const SHARED = sharedDir(REPO);
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
