import { describe, expect, it } from 'vitest';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { applyChanges, ascendingPositions, EditableTextDocument } from '../../server/src/lsp/documents';
import { locateSnapshotUsers, peekProfile } from '../../shared/src/snapshot/scan';
import { editorOptionsFrom, profileSettings } from '../../shared/src/editorSettings';
import { pickSnapshot } from '../../shared/src/analysis/snapshotLocator';
import { describeError } from '../../server/src/lsp/runSafe';

describe('applyChanges', () => {
  const apply = (text: string, edits: { s: number; e: number; t: string }[]) => {
    let doc = TextDocument.create('file:///x', 'x', 1, text);
    const changes = edits.map(({ s, e, t }) => {
      // Each change is expressed against the text as it is after the previous ones.
      const range = { start: doc.positionAt(s), end: doc.positionAt(e) };
      doc = TextDocument.create('file:///x', 'x', 1, doc.getText().slice(0, s) + t + doc.getText().slice(e));
      return { range, text: t };
    });
    const before = new EditableTextDocument('file:///x', 'x', 1, text);
    return applyChanges(before, changes, 2);
  };

  it('gives the span of one change', () => {
    const { doc, span } = apply('abcdef\nghij', [{ s: 2, e: 4, t: 'XYZ' }]);
    expect(doc.getText()).toBe('abXYZef\nghij');
    expect(span).toEqual({ start: 2, end: 4, newLength: 3 });
  });

  it('merges several changes into one span covering all of them', () => {
    const text = '0123456789\nabcdefghij\n';
    for (const edits of [
      [{ s: 1, e: 2, t: 'AA' }, { s: 8, e: 9, t: '' }],
      [{ s: 8, e: 9, t: 'B' }, { s: 1, e: 3, t: '' }],
      [{ s: 12, e: 12, t: 'new\nline' }, { s: 0, e: 1, t: 'zz' }],
    ]) {
      const { doc, span } = apply(text, edits);
      const after = doc.getText();
      // Replacing the span of the old text by the same-length stretch of the new text gives the new text.
      expect(text.slice(0, span!.start) + after.slice(span!.start, span!.start + span!.newLength) + text.slice(span!.end)).toBe(after);
      expect(after.length - text.length).toBe(span!.newLength - (span!.end - span!.start));
    }
  });

  it('reports a full replacement as no span', () => {
    const doc = new EditableTextDocument('file:///x', 'x', 1, 'abc');
    expect(applyChanges(doc, [{ text: 'xyz' }], 2).span).toBeUndefined();
  });
});

describe('EditableTextDocument', () => {
  // A small deterministic generator (the same edits every run).
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const pieces = ['a', 'bc', '\n', '\r\n', '\r', '<user>', 'é', ''];
  const snippet = () => Array.from({ length: rand(4) }, () => pieces[rand(pieces.length)]).join('');

  it('answers as TextDocument does, edit after edit (text, positions, offsets, lines), across many pieces', () => {
    for (let run = 0; run < 40; run++) {
      const text = Array.from({ length: 30 }, snippet).join('');
      const ours = new EditableTextDocument('file:///x', 'x', 1, text);
      let theirs = TextDocument.create('file:///x', 'x', 1, text);
      for (let k = 0; k < 60; k++) {
        const len = theirs.getText().length;
        const a = rand(len + 1);
        const b = Math.min(len, a + rand(4));
        // Positions as a client sends them, sometimes reversed or past a line's end.
        let range = { start: theirs.positionAt(a), end: theirs.positionAt(b) };
        if (rand(5) === 0) range = { start: range.end, end: range.start };
        if (rand(7) === 0) range = { start: range.start, end: { line: range.end.line, character: range.end.character + 3 } };
        const change = rand(30) === 0 ? { text: snippet() } : { range, text: snippet() };
        ours.update([change], k + 2);
        theirs = TextDocument.update(theirs, [change], k + 2);
        const now = theirs.getText();
        expect(ours.length).toBe(now.length);
        expect(ours.lineCount).toBe(theirs.lineCount);
        for (let o = 0; o <= now.length + 1; o++) expect(ours.positionAt(o)).toEqual(theirs.positionAt(o));
        // Looked for from a line before (code lenses walk the users' starts in order), or from a wrong one.
        const inOrder = ascendingPositions(ours);
        for (let o = -1; o <= now.length + 1; o += 1 + rand(9)) {
          expect(inOrder(o)).toEqual(theirs.positionAt(o));
          expect(ours.positionFrom(o, rand(theirs.lineCount + 2) - 1)).toEqual(theirs.positionAt(o));
        }
        for (let line = -1; line <= theirs.lineCount; line++) {
          for (let c = -1; c < 6; c++) expect(ours.offsetAt({ line, character: c })).toBe(theirs.offsetAt({ line, character: c }));
          expect(ours.getLineRange(line)).toEqual(theirs.getLineRange(line));
          expect(ours.getEOLCharacters(line)).toBe(theirs.getEOLCharacters(line));
        }
        const x = rand(now.length + 1);
        const y = x + rand(now.length + 1 - x);
        expect(ours.substring(x, y)).toBe(now.substring(x, y));
        expect(ours.getText({ start: theirs.positionAt(x), end: theirs.positionAt(y) })).toBe(now.substring(x, y));
        if (rand(10) === 0) expect(ours.getText()).toBe(now);
      }
      expect(ours.getText()).toBe(theirs.getText());
      expect(ours.version).toBe(theirs.version);
    }
  });
});

describe('locateSnapshotUsers', () => {
  it('finds where each entry of the top-level users array starts', () => {
    const text = '{ "format": "x", "profile": {"users": [1]}, "users": [ {"user": {"primary_id": "a\\"]"}}, {"user": {}} ] }';
    const starts = locateSnapshotUsers(text);
    expect(starts.map((s) => text.slice(s, s + 8))).toEqual(['{"user":', '{"user":']);
  });
  it('returns nothing for text that is not a snapshot', () => {
    expect(locateSnapshotUsers('[1, 2]')).toEqual([]);
    expect(locateSnapshotUsers('{ "users": ')).toEqual([]);
  });
});

describe('peekProfile', () => {
  it('reads the profile from the head when it comes before the users', () => {
    const text = '{ "format": "alma-sis-snapshot", "version": 1, "profile": { "matchBy": "UNIV_ID", "x": [1, "}"] }, "users": [';
    expect(peekProfile(text, false)).toEqual({ known: true, profile: { matchBy: 'UNIV_ID', x: [1, '}'] } });
  });
  it('knows there is none in a whole file without one', () => {
    expect(peekProfile('{ "format": "alma-sis-snapshot", "users": [] }', true)).toEqual({ known: true });
  });
  it('cannot know when the users come first or the head ends inside the profile', () => {
    expect(peekProfile('{ "users": [ {} ], "profile": {} }', false)).toEqual({ known: false });
    expect(peekProfile('{ "profile": { "matchBy": "UNI', false)).toEqual({ known: false });
    expect(peekProfile('not json', true)).toEqual({ known: false });
  });
});

describe('settings', () => {
  it('editor options: defaults, layers, bad values reported by key', () => {
    expect(editorOptionsFrom().options).toEqual({ revertSeverity: 'information', inlayHints: true, codeLens: true, workspaceDiagnostics: true, autoDetect: true });
    const { options, problems } = editorOptionsFrom(
      { revertSeverity: 'warning' },
      { almaSis: { inlayHints: false, revertSeverity: 'loud', snapshotPath: ' a.json ', feed: 'export/*.xml', workspaceDiagnostics: 'yes' } },
    );
    expect(options).toEqual({ revertSeverity: 'warning', inlayHints: false, codeLens: true, snapshotPath: 'a.json', feed: 'export/*.xml', workspaceDiagnostics: true, autoDetect: true });
    expect(problems.map((p) => p.key)).toEqual(['revertSeverity', 'workspaceDiagnostics']);
  });
  it('profile: the snapshot\'s profile, then the editor\'s layers; nulls are not set', () => {
    const { settings } = profileSettings({ matchBy: 'UNIV_ID', mode: 'import' }, { mode: 'synchronize' }, { almaSis: { matchBy: null } });
    expect(settings.matchBy).toBe('UNIV_ID');
    expect(settings.mode).toBe('synchronize');
  });
});

describe('pickSnapshot', () => {
  it('prefers the snapshot named after the document, else the first by name', () => {
    const names = ['b.alma-snapshot.json', 'users.alma-snapshot.json', 'a.alma-snapshot.json', 'x.json'];
    expect(pickSnapshot(names, '/w/users.xml')).toBe('users.alma-snapshot.json');
    expect(pickSnapshot(names, '/w/other.xml')).toBe('a.alma-snapshot.json');
    expect(pickSnapshot(['x.json'], '/w/users.xml')).toBeUndefined();
  });
});

describe('describeError', () => {
  it('keeps the kind and place of an error, never its message', () => {
    const e = new TypeError('value "Jane Doe" is bad');
    const d = describeError(e);
    expect(d).toMatch(/^TypeError at /);
    expect(d).not.toContain('Jane');
  });
});
