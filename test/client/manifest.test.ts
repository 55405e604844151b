import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROTECTED_FIELDS } from '../../shared/src/settings';
import { EDITOR_KEYS, PROFILE_KEYS } from '../../client/src/settingKeys';

const root = path.resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const grammar = JSON.parse(readFileSync(path.join(root, 'syntaxes/alma-sis.tmLanguage.json'), 'utf8'));
const extensionSource = readFileSync(path.join(root, 'client/src/extension.ts'), 'utf8');

describe('grammar', () => {
  // The grammar's regexes are Oniguruma; these patterns use only syntax JavaScript shares.
  const protectedTag = new RegExp(grammar.repository['protected-tag'].begin);
  const tag = new RegExp(grammar.repository.tag.begin);

  it('sets every protected field apart, start and end tags alike, and nothing else', () => {
    for (const f of DEFAULT_PROTECTED_FIELDS) {
      expect(protectedTag.exec(`<${f}>`)?.[2], f).toBe(f);
      expect(protectedTag.exec(`<${f} desc="x">`)?.[2], f).toBe(f);
      expect(protectedTag.exec(`</${f}>`)?.[2], f).toBe(f);
    }
    for (const other of ['user_groups', 'user_group_x', 'first_name', 'rs_library', 'library_notice', 'user']) {
      expect(protectedTag.test(`<${other}>`), other).toBe(false);
    }
    expect(tag.exec('<first_name>')?.[2]).toBe('first_name');
  });

  it('gives protected tag names scopes that the default themes colour differently from other tags', () => {
    const scopes: string = grammar.repository['protected-tag'].beginCaptures['2'].name;
    expect(scopes.split(' ')).toEqual(['entity.name.tag.protected.alma-sis', 'markup.bold.protected.alma-sis', 'support.type.protected.alma-sis']);
    expect(grammar.repository.tag.beginCaptures['2'].name).toBe('entity.name.tag.xml');
  });

  it('is the grammar the manifest contributes for the language', () => {
    expect(pkg.contributes.grammars).toEqual([{ language: 'alma-sis', scopeName: grammar.scopeName, path: './syntaxes/alma-sis.tmLanguage.json' }]);
    const lang = pkg.contributes.languages.find((l: { id: string }) => l.id === 'alma-sis');
    expect(new RegExp(lang.firstLine.replace('\\uFEFF', '\uFEFF')).test('<?xml version="1.0"?><users>')).toBe(true);
    expect(new RegExp(lang.firstLine).test('<userRecords>')).toBe(true);
    expect(new RegExp(lang.firstLine).test('<project>')).toBe(false);
  });
});

describe('manifest', () => {
  it('registers every contributed command in the extension', () => {
    const ids: string[] = pkg.contributes.commands.map((c: { command: string }) => c.command);
    for (const id of ids) expect(extensionSource.includes(`'${id}'`), id).toBe(true);
    // and every command in a menu is contributed
    for (const entries of Object.values(pkg.contributes.menus) as { command: string }[][]) {
      for (const e of entries) expect(ids, e.command).toContain(e.command);
    }
  });

  it('declares every setting the extension passes on, with a description', () => {
    const props = pkg.contributes.configuration.properties;
    for (const k of [...PROFILE_KEYS, ...EDITOR_KEYS]) {
      const p = props[`almaSis.${k}`];
      expect(p, k).toBeDefined();
      expect((p.description ?? p.markdownDescription ?? '').length, k).toBeGreaterThan(20);
    }
    expect(props['almaSis.protectedFields'].default).toEqual([...DEFAULT_PROTECTED_FIELDS]);
  });

  it('ships what the manifest points at', () => {
    expect(pkg.main).toBe('./dist/extension.js');
    for (const f of [pkg.icon, 'syntaxes/language-configuration.json', 'LICENSE', 'CHANGELOG.md']) {
      expect(() => readFileSync(path.join(root, f)), f).not.toThrow();
    }
  });
});
