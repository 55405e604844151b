/**
 * From the reader's model to the engine's input. The language server keeps one `IncomingUser`
 * per `SisUserChunk` element (a `WeakMap<XmlElement, UserRecord>` makes an unchanged user cost
 * nothing after an edit); the command line converts the whole document.
 */
import { recordFromXml, type UserRecord } from '../sis/record';
import type { SisDocument, SisUserChunk } from '../sis/types';
import type { XmlElement } from '../xml/types';
import type { IncomingUser } from './types';

const records = new WeakMap<XmlElement, UserRecord>();

/** The normalised record of a user element, computed once per element object. */
export function recordOf(element: XmlElement): UserRecord {
  let r = records.get(element);
  if (!r) {
    r = recordFromXml(element);
    records.set(element, r);
  }
  return r;
}

export function incomingUser(chunk: SisUserChunk): IncomingUser {
  return { index: chunk.index, start: chunk.start, record: recordOf(chunk.element) };
}

export function incomingUsers(doc: Pick<SisDocument, 'users'>): IncomingUser[] {
  return doc.users.map(incomingUser);
}
