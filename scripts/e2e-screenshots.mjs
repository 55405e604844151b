// Screenshots for the README, taken in the real workbench (code-server + headless Chromium, the
// packaged .vsix installed) as a person would see it:
//   docs/images/hover-protected-field.png  the mouse over a protected field (the manual value kept)
//   docs/images/code-lenses.png            the lenses on each user and protected field, squiggles
//   docs/images/sync-preview.png           Alma SIS: Preview Sync from the command palette
//   docs/images/refresh-drift.png          Alma SIS: Refresh Snapshot from Alma, against a fake
//                                          Users API on 127.0.0.1, with its drift summary
//   docs/images/workspace-problems.png     the Problems panel: closed SIS files of the workspace,
//                                          and a barcode repeated across the files of a feed
//
//   node scripts/e2e-screenshots.mjs      (npm run screenshots)
//
// Every step waits for what it needs to see (an element, a diagnostic), never a fixed time.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, withWorkbench } from './e2e-code-server.mjs';

const OUT = join(ROOT, 'docs', 'images');
const log = (msg) => process.stderr.write(`[screenshots] ${msg}\n`);
const T = 30_000;

// A calm, uncluttered workbench for pictures.
const SETTINGS = {
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.layoutControl.enabled': false,
  'editor.minimap.enabled': false,
  'editor.stickyScroll.enabled': false,
  'window.menuBarVisibility': 'compact',
  'breadcrumbs.enabled': false,
  'editor.hover.delay': 200,
  'editor.fontSize': 14,
  'workbench.colorTheme': 'Default Light Modern',
  // The refresh's drift summary (a plain-text document) wraps its long lines.
  '[plaintext]': { 'editor.wordWrap': 'on' },
};

/** Runs a command from the palette; `prompts`: the command opens a prompt of its own (not waited out). */
async function runCommand(page, title, prompts = false) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: T });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: T });
  await page.keyboard.press('Enter');
  if (!prompts) await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: T });
}

async function openFile(page, name) {
  // Quick Open (Ctrl+P), as a person would.
  await page.locator('.monaco-workbench .part.editor').click({ position: { x: 200, y: 200 } });
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: T });
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: T });
  await page.keyboard.press('Enter');
  await page.locator(`.tabs-container .tab[data-resource-name="${name}"]`).waitFor({ timeout: T });
}

async function goToLine(page, line, column = 1) {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: T });
  await input.fill(`:${line}:${column}`);
  // Enter only once the picker has understood the line number (under load it lags behind).
  await page.locator('.quick-input-widget', { hasText: `line ${line}` }).first().waitFor({ timeout: T });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: T });
}

/** Screen box of `text` on the editor line that holds the cursor. */
async function boxOnCursorLine(page, text) {
  return page.evaluate((needle) => {
    const cur = document.querySelector('.monaco-editor .view-overlays .current-line');
    if (!cur) return null;
    const top = cur.parentElement?.style.top || getComputedStyle(cur).top;
    const line = [...document.querySelectorAll('.monaco-editor .view-lines .view-line')].find((l) => l.style.top === top);
    if (!line) return null;
    const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const at = n.textContent.indexOf(needle);
      if (at >= 0) {
        const r = document.createRange();
        r.setStart(n, at);
        r.setEnd(n, at + needle.length);
        const b = r.getBoundingClientRect();
        return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
      }
    }
    return null;
  }, text);
}

/** The key the fake Users API accepts; typed into the key prompt as a person would. */
const FAKE_KEY = 'l7xx-screenshot-key';

export async function takeScreenshots() {
  mkdirSync(OUT, { recursive: true });
  // The fake Users API for the refresh, bundled by the build (withWorkbench builds again to package).
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('the build failed');
  const { startFakeAlma, loadFixtures, fixturesDir } = createRequire(import.meta.url)(join(ROOT, 'dist', 'test', 'fakeAlma.js'));
  const fake = await startFakeAlma({ apiKey: FAKE_KEY, ...loadFixtures(fixturesDir(ROOT)), remaining: 99_000 });
  try {
    return await withWorkbench({ settings: { ...SETTINGS, 'almaSis.api.url': fake.url, 'almaSis.feed': 'feed/*.xml' }, viewport: { width: 1280, height: 1100 } }, async ({ page, workspace }) => {
      try {
        return await shoot(page, workspace);
      } catch (e) {
        // What the workbench showed when a step timed out, to see why.
        const failure = join(tmpdir(), 'alma-sis-screenshots-failure.png');
        await page.screenshot({ path: failure }).catch(() => {});
        log(`the workbench at the failure: ${failure}`);
        throw e;
      }
    });
  } finally {
    await fake.close();
  }
}

async function shoot(page, workspace) {
  {
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: T });
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(join(workspace, 'users.xml'), 'utf8').split('\n');
    // The third user (bwong): user_group GRAD in the file, STAFF set by hand in Alma.
    const bwong = text.findIndex((l) => l.includes('<primary_id>bwong</primary_id>'));
    const groupLine = text.findIndex((l, i) => i > bwong && l.includes('<user_group')) + 1;

    await openFile(page, 'users.xml');
    // The first diagnostic means the language server is up (the first hover could come too early).
    // cgarcia's user_group reverts a manual change: a warning in the example's settings.
    const cgarcia = text.findIndex((l) => l.includes('<primary_id>cgarcia</primary_id>'));
    await goToLine(page, text.findIndex((l, i) => i > cgarcia && l.includes('<user_group')) + 1);
    await page.locator('.monaco-editor .squiggly-error, .monaco-editor .squiggly-warning, .monaco-editor .squiggly-info').first().waitFor({ timeout: 60_000 });
    await page.locator('.monaco-editor .codelens-decoration a').first().waitFor({ timeout: T });
    log('editor ready: diagnostics and code lenses shown');

    // 1. Code lenses: the users around bwong, with their lenses.
    await goToLine(page, groupLine, 6);
    await page.screenshot({ path: join(OUT, 'code-lenses.png') });
    log('code-lenses.png');

    // 2. Hover on the protected field.
    const box = await boxOnCursorLine(page, 'user_group');
    if (!box) throw new Error('could not find user_group on the cursor line');
    await page.mouse.move(box.x, box.y);
    await page.locator('.monaco-hover:visible', { hasText: 'STAFF' }).first().waitFor({ timeout: T });
    await page.screenshot({ path: join(OUT, 'hover-protected-field.png') });
    log('hover-protected-field.png');
    await page.mouse.move(5, 400);
    await page.keyboard.press('Escape');

    // 3. The sync preview, from the command palette.
    await runCommand(page, 'Alma SIS: Preview Sync');
    const view = page.locator('.pane-body .monaco-list-row', { hasText: /created|updated|rejected/i }).first();
    await view.waitFor({ timeout: T });
    // Widen the side bar so the rows are not cut, and open one user's changes.
    const sash = await page.locator('.part.sidebar').boundingBox();
    if (sash) {
      await page.mouse.move(sash.x + sash.width + 1, sash.y + 300);
      await page.mouse.down();
      await page.mouse.move(sash.x + sash.width + 220, sash.y + 300, { steps: 5 });
      await page.mouse.up();
    }
    const row = page.locator('.pane-body .monaco-list-row', { hasText: 'cgarcia' }).first();
    await row.locator('.monaco-tl-twistie').click();
    await page.locator('.pane-body .monaco-list-row', { hasText: 'user_group' }).first().waitFor({ timeout: T });
    await page.mouse.move(5, 5);
    await page.screenshot({ path: join(OUT, 'sync-preview.png') });
    log('sync-preview.png');

    // 4. Refresh Snapshot from Alma: the key typed into its prompt (kept in SecretStorage), then
    // the drift summary beside the file and the counts in a notification.
    await runCommand(page, 'View: Toggle Primary Side Bar Visibility');
    await openFile(page, 'users.xml');
    await runCommand(page, 'Alma SIS: Refresh Snapshot from Alma', true);
    const keyBox = page.locator('.quick-input-widget input[type="password"]');
    await keyBox.waitFor({ state: 'visible', timeout: T });
    await keyBox.fill(FAKE_KEY);
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab', { hasText: 'from Alma' }).first().waitFor({ timeout: 60_000 });
    await page.locator('.monaco-editor .view-line', { hasText: 'has changed' }).first().waitFor({ timeout: T });
    // The summary is the subject: give it most of the width (drag the sash between the editors).
    const right = await page.locator('.part.editor .editor-group-container').nth(1).boundingBox();
    if (right) {
      await page.mouse.move(right.x - 1, right.y + 300);
      await page.mouse.down();
      await page.mouse.move(right.x - 260, right.y + 300, { steps: 5 });
      await page.mouse.up();
    }
    await page.mouse.move(5, 5);
    await page.screenshot({ path: join(OUT, 'refresh-drift.png') });
    log('refresh-drift.png');

    // 5. The Problems panel with files nobody opened: two files of one feed (almaSis.feed) that
    // repeat a barcode, written to disk now (the server sees them through the file watcher).
    await runCommand(page, 'View: Close All Editors');
    const { mkdirSync: mkdir, writeFileSync } = await import('node:fs');
    const user = (id, first, barcode) => `  <user>\n    <primary_id>${id}</primary_id>\n    <first_name>${first}</first_name>\n    <last_name>Okafor</last_name>\n    <user_group>UNDERGRAD</user_group>\n    <user_identifiers>\n      <user_identifier>\n        <id_type>BARCODE</id_type>\n        <value>${barcode}</value>\n      </user_identifier>\n    </user_identifiers>\n  </user>\n`;
    const doc = (...users) => `<?xml version="1.0" encoding="UTF-8"?>\n<users>\n${users.join('')}</users>\n`;
    mkdir(join(workspace, 'feed'), { recursive: true });
    writeFileSync(join(workspace, 'feed', 'staff.xml'), doc(user('nokafor', 'Ngozi', '20031877'), user('tlind', 'Tove', '20031878')));
    writeFileSync(join(workspace, 'feed', 'students.xml'), doc(user('aokafor', 'Ada', '20031877')));
    await runCommand(page, 'View: Toggle Problems');
    const problems = page.locator('.markers-panel');
    await problems.locator('.monaco-list-row', { hasText: 'broken-users.xml' }).first().waitFor({ timeout: 60_000 });
    // Give the panel most of the window's height, so that every file's problems show.
    const panel = await page.locator('.part.panel').boundingBox();
    if (panel) {
      await page.mouse.move(panel.x + 400, panel.y - 2);
      await page.mouse.down();
      await page.mouse.move(panel.x + 400, 120, { steps: 8 });
      await page.mouse.up();
    }
    await problems.locator('.monaco-list-row', { hasText: 'students.xml' }).first().waitFor({ timeout: 60_000 });
    await problems.locator('.monaco-list-row', { hasText: 'already taken AcrossInstitution in this feed' }).first().waitFor({ timeout: T });
    await page.mouse.move(5, 5);
    await page.screenshot({ path: join(OUT, 'workspace-problems.png') });
    log('workspace-problems.png');
    return 0;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  let code;
  try {
    code = await takeScreenshots();
  } catch (e) {
    log(`error: ${e.message}`);
    code = 2;
  }
  process.exit(code);
}
