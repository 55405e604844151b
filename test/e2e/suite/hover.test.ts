import * as assert from 'node:assert/strict';
import { hoverText, positionOf, ready, userRange } from './helpers';

/** Hovers through `vscode.executeHoverProvider`, i.e. what the editor shows under the mouse. */
describe('hover', () => {
  it('on a protected field whose manual value is kept (bwong: STAFF by hand, the file sends GRAD)', async () => {
    const { doc } = await ready('users.xml');
    // On the name of the third user's <user_group> (users: jdoe, asmith, bwong, ...).
    assert.ok(userRange(doc, 2).contains(positionOf(doc, '<primary_id>bwong')), 'the third user is bwong');
    const text = await hoverText(doc.uri, positionOf(doc, '<user_group', 2, 3));
    assert.match(text, /user_group/, text);
    assert.match(text, /protected/i, text);
    // What Alma holds (the manual STAFF) and that it stays.
    assert.match(text, /STAFF/, text);
    assert.match(text, /keep|kept|stays/i, text);
  });

  it('on a protected field whose manual change the file undoes (cgarcia: FACULTY by hand, the SIS sent GRAD before)', async () => {
    const { doc } = await ready('users.xml');
    assert.ok(userRange(doc, 3).contains(positionOf(doc, '<primary_id>cgarcia')), 'the fourth user is cgarcia');
    const text = await hoverText(doc.uri, positionOf(doc, '<user_group', 3, 3));
    assert.match(text, /protected/i, text);
    assert.match(text, /FACULTY/, text);
    assert.match(text, /GRAD/, text);
    assert.match(text, /revert|undo/i, text);
  });

  it('on <user>: the whole outcome of that user', async () => {
    const { doc } = await ready('users.xml');
    // The seventh user, fkhan, is Internal in Alma.
    const text = await hoverText(doc.uri, positionOf(doc, '<user>', 6, 2));
    assert.match(text, /rejected/i, text);
    assert.match(text, /User is not external/, text);
  });
});

