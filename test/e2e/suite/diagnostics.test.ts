import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { codeOf, describeDiagnostic, rangeOf, ready, showRange, userRange, waitForDiagnostics } from './helpers';

/**
 * The diagnostics the language server publishes into VS Code's Problems, with their codes and
 * ranges (docs/diagnostics.md: the same as `alma-sis validate`, plus what only the snapshot can tell).
 * Expected ranges are found in the example's text, so they say what is underlined.
 */
describe('diagnostics', () => {
  function find(diags: readonly vscode.Diagnostic[], code: string, inside?: vscode.Range): vscode.Diagnostic {
    const d = diags.find((x) => codeOf(x) === code && (!inside || inside.contains(x.range)));
    assert.ok(d, `no ${code} diagnostic${inside ? ` in ${showRange(inside)}` : ''}; got ${JSON.stringify(diags.map(describeDiagnostic))}`);
    return d;
  }
  function assertRange(doc: vscode.TextDocument, d: vscode.Diagnostic, expected: vscode.Range): void {
    assert.equal(showRange(d.range), showRange(expected), `${codeOf(d)} underlines "${doc.getText(d.range)}", expected "${doc.getText(expected)}"`);
  }

  it('users.xml: the duplicate user, and what only the snapshot can tell', async () => {
    const { doc } = await ready('users.xml');
    // Wait for the snapshot-based codes too: the first publish may come before the snapshot is read.
    const diags = await waitForDiagnostics(doc.uri, (ds) => ds.some((d) => codeOf(d) === 'identifier-taken'));

    // The second gnguyen (user #10): Alma rejects it "in this feed". Underlined: its primary_id value.
    const dup = find(diags, 'duplicate-user');
    assertRange(doc, dup, rangeOf(doc, '<primary_id>gnguyen</primary_id>', 1, 'gnguyen'));
    assert.equal(dup.severity, vscode.DiagnosticSeverity.Error);

    // hpark's barcode B9000 belongs to another Alma user (zold) in the snapshot.
    const taken = find(diags, 'identifier-taken');
    assertRange(doc, taken, rangeOf(doc, '<value>B9000</value>', 0, 'B9000'));
    assert.equal(taken.severity, vscode.DiagnosticSeverity.Error);

    // fkhan is Internal in Alma: the user is rejected (user #7).
    const internal = find(diags, 'user-not-external', userRange(doc, 6));
    assert.equal(internal.severity, vscode.DiagnosticSeverity.Error);

    // cgarcia's user_group GRAD undoes a manual change; the example's settings make it a warning.
    const revert = find(diags, 'reverts-override', userRange(doc, 3));
    assert.ok(doc.getText(revert.range).includes('GRAD') || doc.getText(revert.range).includes('user_group'), `reverts-override underlines "${doc.getText(revert.range)}"`);
    assert.equal(revert.severity, vscode.DiagnosticSeverity.Warning, 'almaSis.revertSeverity is "warning" in the example workspace');

    // The users Alma would load without remarks get no error.
    for (const n of [0, 1, 2, 4, 5, 7]) {
      const errors = diags.filter((d) => d.severity === vscode.DiagnosticSeverity.Error && userRange(doc, n).contains(d.range));
      assert.deepEqual(errors.map(describeDiagnostic), [], `user #${n + 1} should have no error`);
    }
  });

  it('broken-users.xml: the common mistakes, each where it is', async () => {
    const { doc } = await ready('broken-users.xml');
    const diags = await waitForDiagnostics(doc.uri, (ds) => ds.some((d) => codeOf(d) === 'invalid-date'));

    assertRange(doc, find(diags, 'invalid-boolean'), rangeOf(doc, 'preferred="TRUE"', 0, 'TRUE'));
    assertRange(doc, find(diags, 'invalid-date'), rangeOf(doc, '<expiry_date>2031-6-30</expiry_date>', 0, '2031-6-30'));
    assert.equal(find(diags, 'invalid-date').severity, vscode.DiagnosticSeverity.Error);
    // nolsen's e-mail has <email_type> without the <email_types> wrapper: underlined, the <email> tag name.
    const nolsen = userRange(doc, 1);
    const wrapper = find(diags, 'missing-types-wrapper', nolsen);
    assert.equal(doc.getText(wrapper.range), 'email');
    // Two preferred addresses: the second one's value is underlined.
    assertRange(doc, find(diags, 'multiple-preferred', nolsen), rangeOf(doc, '<address preferred="true">', 1, 'true'));
    // opatel's identifier without a value: the user is rejected.
    assert.equal(doc.getText(find(diags, 'mandatory-value-missing', userRange(doc, 2)).range), 'value');
    // mbrown twice: the second is the duplicate.
    assertRange(doc, find(diags, 'duplicate-user'), rangeOf(doc, '<primary_id>mbrown</primary_id>', 1, 'mbrown'));
    // The last user has no primary_id at all.
    find(diags, 'missing-match-id', userRange(doc, 4));
    // POSTDOC is not in the example's code tables (almaSis.codeTablesPath).
    assertRange(doc, find(diags, 'unknown-code'), rangeOf(doc, '>POSTDOC<', 0, 'POSTDOC'));
  });
});
