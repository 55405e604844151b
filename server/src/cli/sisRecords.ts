/**
 * The users of an SIS input as the engine's records, read whole (every `.xml` of a `.zip` in
 * order, as one feed): for the commands that need who the file names rather than a
 * validation of it (`snapshot import --last-sis`, `snapshot fetch`).
 */
import type { FileUser } from '../../../shared/src/alma/refresh';
import { readSisDocument } from '../../../shared/src/sis/read';
import { recordFromXml } from '../../../shared/src/sis/record';
import { decodeAll } from '../io/decode';
import { InputError, openInput } from '../io/input';
import type { CliContext } from './command';

export async function readSisRecords(input: string, ctx: Pick<CliContext, 'stdin'>): Promise<FileUser[]> {
  const users: FileUser[] = [];
  for (const doc of await openInput(input, { stdin: ctx.stdin })) {
    const { text, undecodable } = await decodeAll(doc.bytes());
    if (undecodable) throw new InputError(`cannot read ${doc.path}: not text in a known encoding`);
    for (const u of readSisDocument(text).users) users.push({ index: users.length, record: recordFromXml(u.element) });
  }
  return users;
}
