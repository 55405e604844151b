import { describe, expect, it } from 'vitest';
import { definitionAt, definitionsOf, elementChainAt } from '../../shared/src/schema/lookup';
import { readSisDocument } from '../../shared/src/sis/read';

const text = `<users>
  <user>
    <primary_id>jdoe</primary_id>
    <contact_info><emails><email preferred="true"><email_address>j@x.edu</email_address><email_types/></email></emails></contact_info>
    <shoe_size>9</shoe_size>
  </user>
</users>`;

describe('position lookups', () => {
  const doc = readSisDocument(text);
  const user = doc.users[0];
  const at = (needle: string) => text.indexOf(needle) - user.start;

  it('finds the chain of elements at an offset and their definitions', () => {
    const chain = elementChainAt(user.element, at('j@x.edu'));
    expect(chain.map((e) => e.name)).toEqual(['user', 'contact_info', 'emails', 'email', 'email_address']);
    const defs = definitionsOf(chain);
    expect(defs.map((d) => d?.name)).toEqual(['user', 'contact_info', 'emails', 'email', 'email_address']);
    expect(defs[4]?.minOccurs).toBe(1);
  });

  it('gives the innermost definition, undefined for unknown elements, nothing outside the user', () => {
    expect(definitionAt(user.element, at('jdoe'))?.def?.name).toBe('primary_id');
    expect(definitionAt(user.element, at('preferred'))?.def?.name).toBe('email');
    const unknown = definitionAt(user.element, at('9</shoe'));
    expect(unknown?.element.name).toBe('shoe_size');
    expect(unknown?.def).toBeUndefined();
    expect(definitionAt(user.element, -5)).toBeUndefined();
    expect(definitionAt(user.element, user.end - user.start + 10)).toBeUndefined();
  });
});
