/* api.test.js: the API page (#/~api, built from /openapi.json) over the
 * store with access control on (fixtures/store.json's permissions: the
 * anonymous role reads customers and tags, the clerk role does anything):
 * try-it of a GET with a path parameter and with a query parameter (status,
 * headers, body and the curl line), then a bearer token typed at the top
 * that the requests carry: one the server refuses (401, the explorer offers
 * to forget it), then the clerk's, whose operations appear and answer. */
'use strict';
const assert = require('node:assert/strict');
const { browserSuite, eventually, apiGet } = require('../lib/harness');
const { mintToken } = require('../lib/jwt');
const ui = require('../lib/ui');

const SECRET = 'browser-tests-secret-of-32-bytes-or-more';
const STORE = { schema: 'tests/browser/fixtures/store.json', seed: 'tests/browser/fixtures/store.seed.json', jwtSecret: SECRET };

/* Send one operation and wait for its answer to be shown. */
async function send(page, op, methodPath) {
  await ui.sendButton(op, methodPath).click();
  await ui.tryStatus(op).waitFor();
  return { status: (await ui.tryStatus(op).innerText()).trim(), body: await ui.tryBody(op).innerText(),
    headers: await ui.tryHeaders(op).innerText(), curl: await ui.curlLine(op).innerText() };
}

browserSuite('api', STORE, (test) => {
  test('try-it: a GET with a path parameter and one with a query parameter', async ({ page, server }) => {
    await ui.open(page);
    await ui.apiLink(page).click();
    await ui.heading(page).filter({ hasText: 'API' }).waitFor();
    await ui.findOperations(page).fill('customers/{id}');
    const op = await ui.operation(page, 'GET /api/customers/{id}');
    await ui.paramInput(op, 'id').fill('2');
    const one = await send(page, op, 'GET /api/customers/{id}');
    assert.match(one.status, /^Status 200\b/);
    const body = JSON.parse(one.body);
    assert.equal(body.name, 'Brook, "B" Ltd');
    assert.deepEqual(body, await apiGet(server, '/api/customers/2'));
    assert.match(one.headers, /^content-type: application\/json/m);
    assert.match(one.headers, /^etag: /m);
    assert.equal(one.curl, `curl -i '${server.url}/api/customers/2'`);

    await ui.findOperations(page).fill('');
    const list = await ui.operation(page, 'GET /api/tags');
    await ui.paramInput(list, 'limit').fill('2');
    const two = await send(page, list, 'GET /api/tags');
    assert.match(two.status, /^Status 200\b/);
    assert.deepEqual(JSON.parse(two.body).data.map((t) => t.name), ['gift', 'rush']);
    assert.equal(two.curl, `curl -i '${server.url}/api/tags?limit=2'`);
  });

  test('try-it with a bearer token: the clerk\'s operations, sent with the token', async ({ page, server, artifact }) => {
    await ui.open(page, '/~api');
    await ui.heading(page).filter({ hasText: 'API' }).waitFor();
    /* anonymous: orders are not offered, nor creating a tag */
    assert.equal(await page.locator('details.op[data-op="GET /api/orders/{id}"]').count(), 0);
    assert.equal(await page.locator('details.op[data-op="POST /api/tags"]').count(), 0);
    await ui.operation(page, 'GET /api/tags');

    /* a token the server refuses (another secret): every request is 401, the explorer says so and forgets it */
    const forged = mintToken('not-the-secret-of-this-server-at-all', { sub: 'c1', role: 'clerk' });
    await ui.tokenField(page).fill(forged);
    await Promise.all([page.waitForEvent('load'), ui.tokenField(page).press('Enter')]);
    await ui.shown(page, 'GET /api failed.').waitFor();
    await page.getByRole('alert').getByText('401 Unauthorized').waitFor();
    await page.screenshot({ path: artifact('refused.png'), fullPage: true });
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Forget the bearer token' }).click()]);
    await ui.heading(page).filter({ hasText: 'API' }).waitFor();
    assert.equal(await ui.tokenField(page).inputValue(), '');

    const token = mintToken(SECRET, { sub: 'c1', role: 'clerk' });
    await ui.tokenField(page).fill(token);
    await Promise.all([page.waitForEvent('load'), ui.tokenField(page).press('Enter')]);
    await ui.heading(page).filter({ hasText: 'API' }).waitFor();
    assert.equal(await ui.tokenField(page).inputValue(), token, 'the token stays');
    /* the explorer now reads as the clerk: orders are listed */
    await ui.navLink(page, 'orders').waitFor();

    const op = await ui.operation(page, 'GET /api/orders/{id}');
    await ui.paramInput(op, 'id').fill('1');
    const got = await send(page, op, 'GET /api/orders/{id}');
    assert.match(got.status, /^Status 200\b/);
    assert.deepEqual(JSON.parse(got.body), await apiGet(server, '/api/orders/1', token));
    assert.equal(got.curl, `curl -i '${server.url}/api/orders/1' -H 'Authorization: Bearer ${token}'`);

    const create = await ui.operation(page, 'POST /api/tags');
    await ui.requestBody(create).fill('{"name": "fragile"}');
    const made = await send(page, create, 'POST /api/tags');
    assert.match(made.status, /^Status 201\b/);
    assert.match(made.headers, /^location: \/api\/tags\/4$/m);
    assert.equal(JSON.parse(made.body).name, 'fragile');
    assert.equal(made.curl, `curl -i -X POST '${server.url}/api/tags' -H 'Authorization: Bearer ${token}' `
      + `-H 'Content-Type: application/json' --data-raw '{"name": "fragile"}'`);
    await page.screenshot({ path: artifact('sent.png'), fullPage: true });
    assert.equal((await apiGet(server, '/api/tags/4')).name, 'fragile');
  }, { allowStatus: [401] });
});
