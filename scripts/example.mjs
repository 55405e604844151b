// `npm run example`: builds, validates the bundled example and previews what Alma's Users
// Synchronize job would do to its snapshot. The example is built to show rejections, so the
// plan's exit code 1 ("some user would be rejected") is the expected outcome here, not a failure.
import { spawnSync } from 'node:child_process';

const run = (args) => spawnSync(process.execPath, ['dist/cli.js', ...args], { stdio: 'inherit' }).status;

const files = ['example/users.xml', '--snapshot', 'example/users.alma-snapshot.json'];
console.log(`$ alma-sis plan ${files.join(' ')}\n`);
const status = run(['plan', ...files]);
if (status === 1) {
  console.log('\n(exit code 1: the plan was made and some users would be rejected, as the example intends.)');
  console.log('Next: `node dist/cli.js validate example/broken-users.xml` shows the common mistakes; or open example/ in VS Code.');
  process.exit(0);
}
process.exit(status ?? 2);
