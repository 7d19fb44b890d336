/* harness.js: one headless Chromium for the whole run (Debian's chromium
 * through playwright-core: CHROMIUM, default /usr/bin/chromium), a restmap
 * server per suite (lib/server.js) and a fresh browser context and page per
 * test.
 *
 *   browserSuite('browse', { schema, seed }, (test) => {
 *     test('sorts by a column', async ({ page, server }) => { ... });
 *     test('shows a field error', async ({ page }) => { ... }, { allowStatus: [422] });
 *   });
 *
 * A test fails on any page error (an uncaught exception), any console
 * error, any request that fails, and any answer of status 400 or more
 * that is not in its allowStatus (the 4xx a test provokes on purpose).
 * Each test leaves a full-page screenshot in the artefacts directory
 * (BROWSER_ARTIFACTS, default build/browser-artifacts): SUITE--TEST.png at
 * its end, SUITE--TEST.failed.png when it fails. download() keeps what a
 * click downloads there too; apiGet() and apiRows() ask the API directly,
 * to compare what the page shows with the server's state. */
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { describe, it, before, after } = require('node:test');
const { startServer, ROOT } = require('./server');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = process.env.BROWSER_ARTIFACTS || path.join(ROOT, 'build', 'browser-artifacts');
const ACTION_TIMEOUT_MS = 10000; /* a bound for liveness on a loaded machine, not a speed test */
const TEST_TIMEOUT_MS = 60000;

let browserPromise = null;

function launchBrowser() {
  if (!browserPromise) {
    const { chromium } = require('playwright-core');
    /* --no-sandbox: Chromium's sandbox cannot start as root (CI, containers) */
    browserPromise = chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  }
  return browserPromise;
}

async function closeBrowser() {
  if (browserPromise) await (await browserPromise).close();
  browserPromise = null;
}

function slug(text) { return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''); }

/* Everything on the page that fails a test, as lines of text. */
function watchPage(page, allowStatus) {
  const problems = [];
  page.on('pageerror', (e) => problems.push('page error: ' + (e.stack || e.message)));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    /* Chromium's own line for an answer >= 400: judged by the response handler */
    if (/^Failed to load resource: the server responded with a status of \d+/.test(m.text())) return;
    const where = m.location() && m.location().url ? ` (${m.location().url}:${m.location().lineNumber})` : '';
    problems.push('console error: ' + m.text() + where);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !allowStatus.includes(r.status())) {
      problems.push(`HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
    }
  });
  page.on('requestfailed', (r) => {
    const why = r.failure() ? r.failure().errorText : 'failed';
    if (why !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.method()} ${r.url()}: ${why}`);
  });
  return problems;
}

async function runPageTest(suiteName, srv, testName, fn, opts) {
  const browser = await launchBrowser();
  const context = await browser.newContext({ baseURL: srv.url, acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  const page = await context.newPage();
  const problems = watchPage(page, opts.allowStatus || []);
  const shot = path.join(ARTIFACTS, slug(suiteName) + '--' + slug(testName));
  try {
    await fn({ page, server: srv, artifact: (name) => shot + '--' + name });
    assert.deepEqual(problems, [], 'the page reported errors:\n' + problems.join('\n'));
    await page.screenshot({ path: shot + '.png', fullPage: true });
  } catch (e) {
    await page.screenshot({ path: shot + '.failed.png', fullPage: true }).catch(() => {});
    if (problems.length && !String(e.message).includes('the page reported errors')) {
      e.message += '\nthe page also reported:\n' + problems.join('\n');
    }
    throw e;
  } finally {
    await context.close();
  }
}

/* A describe() whose tests share one server (started before the first,
 * stopped after the last: fresh SQLite file per suite). body gets
 * test(name, fn, { allowStatus }) and the server handle (its url is set
 * once the suite runs). */
function browserSuite(name, serverOpts, body) {
  describe(name, () => {
    const srv = { url: null, server: null };
    before(async () => {
      srv.server = await startServer(serverOpts);
      srv.url = srv.server.url;
    });
    after(async () => { if (srv.server) await srv.server.stop(); });
    body((testName, fn, opts = {}) => it(testName, { timeout: TEST_TIMEOUT_MS },
      () => runPageTest(name, srv, testName, fn, opts)), srv);
  });
}

/* Run trigger() (a click) and wait for the download it starts; the file is
 * kept as `artifactPath` (or under its suggested name in the artefacts
 * directory). Returns { name, path, text }. */
async function download(page, trigger, artifactPath) {
  const [dl] = await Promise.all([page.waitForEvent('download'), trigger()]);
  const failure = await dl.failure();
  if (failure) throw new Error(`download of ${dl.suggestedFilename()} failed: ${failure}`);
  const file = artifactPath || path.join(ARTIFACTS, dl.suggestedFilename());
  await dl.saveAs(file);
  return { name: dl.suggestedFilename(), path: file, text: fs.readFileSync(file, 'utf8') };
}

/* Retry check() (an async function that throws while the page is not yet
 * as expected) until it passes or timeoutMs ends; then its last error. */
async function eventually(check, timeoutMs = ACTION_TIMEOUT_MS) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/* What the API itself answers, asked from the test (not the page): the
 * parsed body of GET path (a bearer token when given); throws on a status
 * other than 200. apiRows() follows links.next and returns every row. */
async function apiGet(srv, path, token) {
  const res = await fetch(srv.url + path, { headers: token ? { Authorization: 'Bearer ' + token } : {} });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}
async function apiRows(srv, path, token) {
  const rows = [];
  for (let next = path; next;) {
    const page = await apiGet(srv, next, token);
    rows.push(...page.data);
    next = page.links && page.links.next;
  }
  return rows;
}

module.exports = { browserSuite, download, eventually, apiGet, apiRows, launchBrowser, closeBrowser, CHROMIUM, ARTIFACTS };
