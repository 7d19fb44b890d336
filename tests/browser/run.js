/* run.js: the browser tests of the explorer (`make test-browser`):
 *
 *   node tests/browser/run.js [NAME...]   every specs/*.test.js, or those named
 *
 * One headless Chromium for the run (Debian's chromium, CHROMIUM to use
 * another), a restmap server per suite (RESTMAP_BIN, default
 * build/restmap), a fresh page per test; screenshots in
 * build/browser-artifacts (BROWSER_ARTIFACTS). The tests are node:test
 * suites run in this one process. Nothing is skipped: without
 * playwright-core, Chromium or the binary the run fails, saying which. */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

function die(msg) {
  console.error('test-browser: ' + msg);
  process.exit(1);
}

const major = Number(process.versions.node.split('.')[0]);
if (major < 18) die(`node ${process.versions.node} is too old: node:test and playwright-core need 18 or later`);
try {
  require.resolve('playwright-core');
} catch (e) {
  die('playwright-core is not installed: npm ci --prefix tests/browser (make test-browser does it)');
}
const { CHROMIUM, ARTIFACTS, launchBrowser, closeBrowser } = require('./lib/harness');
try {
  fs.accessSync(CHROMIUM, fs.constants.X_OK);
} catch (e) {
  die(`no Chromium at ${CHROMIUM} (scripts/install-deps.sh installs Debian's chromium; CHROMIUM=path for another)`);
}

const specDir = path.join(__dirname, 'specs');
const wanted = process.argv.slice(2);
const specs = fs.readdirSync(specDir).filter((f) => f.endsWith('.test.js')).sort()
  .filter((f) => !wanted.length || wanted.some((w) => f === w || f === w + '.test.js'));
if (!specs.length) die(`no spec matches ${wanted.join(' ')} in ${specDir}`);

fs.mkdirSync(ARTIFACTS, { recursive: true });
for (const f of fs.readdirSync(ARTIFACTS)) fs.rmSync(path.join(ARTIFACTS, f), { force: true, recursive: true });

const { describe, before, after } = require('node:test');
describe('explorer in headless Chromium', () => {
  before(() => launchBrowser());
  after(() => closeBrowser());
  for (const f of specs) require(path.join(specDir, f));
});
