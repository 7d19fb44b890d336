/* store.test.js: reading with the explorer over a store
 * (fixtures/store.json: customers, 34 orders of at most 10 a page, tags;
 * orders name their customer by placed_by, a foreign key not named after
 * its relationship "buyer"): many-to-one values as their target's label
 * with a link, the column chooser and the include control, a facet that
 * narrows the list, export of the filtered list as CSV and JSON (every
 * page), and the header's Server-Timing statement count. Nothing here
 * writes. */
'use strict';
const assert = require('node:assert/strict');
const { browserSuite, download, eventually, apiRows } = require('../lib/harness');
const { parseCsv } = require('../lib/csv');
const ui = require('../lib/ui');

const STORE = { schema: 'tests/browser/fixtures/store.json', seed: 'tests/browser/fixtures/store.seed.json' };
const PAID = '/api/orders?filter=' + encodeURIComponent('{"status":"paid"}');

/* Narrow the orders to the paid ones by their facet, as a user would. */
async function paidOrders(page) {
  await ui.open(page, '/orders');
  await ui.rangeShown(page, 'Rows 1–10 of 34').waitFor();
  await ui.facet(page, 'status', 'paid').click();
  await ui.rangeShown(page, 'Rows 1–10 of 23').waitFor();
  assert.equal(await ui.nextPage(page).isEnabled(), true, 'the filtered list spans more than one page');
}

browserSuite('store', STORE, (test) => {
  test('a many-to-one value is its target row\'s label, linked to that row', async ({ page }) => {
    await ui.open(page, '/orders');
    await ui.rangeShown(page, 'Rows 1–10 of 34').waitFor();
    const buyers = await ui.columnValues(page, 'orders', 'placed_by');
    assert.deepEqual(buyers.slice(0, 7), ['Brook, "B" Ltd', 'Chen', 'Ada Lovelace', 'Brook, "B" Ltd', 'Chen',
      'Ada Lovelace', 'null']);
    /* no page size above the resource's max_page_size (10) is offered */
    assert.deepEqual(await page.getByLabel('Rows per page').locator('option').allInnerTexts(), ['10']);
    const third = ui.dataRows(page, 'orders').nth(2);
    assert.equal(await ui.fkLink(third, 'Ada Lovelace').getAttribute('href'), '#/customers/1');
    await ui.fkLink(third, 'Ada Lovelace').click();
    await ui.heading(page).filter({ hasText: 'customers 1' }).waitFor();
    await ui.shown(page, 'gold').waitFor();
    /* an order's own page shows its buyer the same way */
    await ui.open(page, '/orders/3');
    await ui.heading(page).filter({ hasText: 'orders 3' }).waitFor();
    await page.getByRole('link', { name: 'Ada Lovelace', exact: true }).waitFor();
  });

  test('the column chooser and the include control change the table', async ({ page }) => {
    await ui.open(page, '/orders');
    await ui.rangeShown(page, 'Rows 1–10 of 34').waitFor();
    assert.deepEqual(await ui.columnNames(page, 'orders'), ['id', 'placed_by', 'status', 'total', 'memo']);

    await ui.openBox(ui.columnsBox(page));
    await ui.boxCheck(ui.columnsBox(page), 'total').uncheck();
    await ui.boxCheck(ui.columnsBox(page), 'memo').uncheck();
    await ui.applyColumns(page).click();
    await eventually(async () => assert.deepEqual(await ui.columnNames(page, 'orders'), ['id', 'placed_by', 'status']));
    await ui.columnsBox(page).locator('summary').getByText('(2 of 4)').waitFor();
    assert.match(page.url(), /fields=placed_by%2Cstatus/);
    await ui.openBox(ui.columnsBox(page));
    await ui.allColumns(page).click();
    await eventually(async () => assert.deepEqual(await ui.columnNames(page, 'orders'),
      ['id', 'placed_by', 'status', 'total', 'memo']));

    /* the buyer is embedded by default: ticked; without it placed_by is the bare key */
    await ui.openBox(ui.includeBox(page));
    assert.equal(await ui.boxCheck(ui.includeBox(page), 'buyer').isChecked(), true);
    await ui.boxCheck(ui.includeBox(page), 'buyer').uncheck();
    await ui.boxCheck(ui.includeBox(page), 'tags').check();
    await ui.applyInclude(page).click();
    await eventually(async () => assert.deepEqual((await ui.columnValues(page, 'orders', 'placed_by')).slice(0, 3),
      ['2', '3', '1']));
    assert.equal(await ui.fkLink(ui.dataRows(page, 'orders').nth(2), 'Ada Lovelace').count(), 0);
    assert.match(await ui.includeBox(page).locator('summary').innerText(), /^Include\s+tags$/);
    /* nothing ticked: include= embeds nothing (not the default) */
    await ui.openBox(ui.includeBox(page));
    await ui.boxCheck(ui.includeBox(page), 'tags').uncheck();
    await ui.applyInclude(page).click();
    await eventually(async () => assert.match(await ui.includeBox(page).locator('summary').innerText(),
      /^Include\s+\(nothing\)$/));
    assert.deepEqual((await ui.columnValues(page, 'orders', 'placed_by')).slice(0, 3), ['2', '3', '1']);
    await ui.openBox(ui.includeBox(page));
    assert.equal(await ui.boxCheck(ui.includeBox(page), 'buyer').isChecked(), false);
    await ui.defaultInclude(page).click();
    await eventually(async () => assert.deepEqual((await ui.columnValues(page, 'orders', 'placed_by')).slice(0, 3),
      ['Brook, "B" Ltd', 'Chen', 'Ada Lovelace']));
  });

  test('export CSV: every row of the filtered list, all pages, RFC 4180', async ({ page, server, artifact }) => {
    await paidOrders(page);
    const asked = [];
    page.on('request', (r) => { if (r.url().includes('/api/orders?')) asked.push(new URL(r.url())); });
    const file = await download(page, () => ui.exportButton(page, 'CSV').click(), artifact('orders.csv'));
    assert.equal(file.name, 'orders.csv');
    await eventually(async () => assert.equal((await ui.exportStatus(page).innerText()).trim(), 'Exported 23 rows as CSV'));
    /* pages of the resource's max_page_size (10), never more: 10 + 10 + 3 */
    assert.deepEqual(asked.map((u) => u.searchParams.get('limit')), ['10', '10', '10']);

    const want = await apiRows(server, PAID + '&limit=10');
    const [header, ...rows] = parseCsv(file.text);
    assert.deepEqual(header, ['id', 'placed_by', 'status', 'total', 'memo']);
    assert.equal(rows.length, 23);
    assert.equal(rows.length, want.length);
    const text = (v) => (v === null ? '' : String(v));
    assert.deepEqual(rows, want.map((o) => [text(o.id), text(o.placed_by), o.status, text(o.total), text(o.memo)]));
    /* quoting as RFC 4180 says: commas, quotes (doubled) and line breaks inside quotes */
    assert.ok(file.text.includes(',"fragile, handle with care"\r\n'), 'a comma is quoted');
    assert.ok(file.text.includes(',"says ""urgent"""\r\n'), 'a quote is doubled inside quotes');
    assert.ok(file.text.includes(',"two\nlines"\r\n'), 'a line break stays inside quotes');
  });

  test('export JSON: the filtered rows of every page, as the API gives them', async ({ page, server, artifact }) => {
    await paidOrders(page);
    await ui.openBox(ui.columnsBox(page));
    await ui.boxCheck(ui.columnsBox(page), 'placed_by').uncheck();
    await ui.applyColumns(page).click();
    await eventually(async () => assert.deepEqual(await ui.columnNames(page, 'orders'), ['id', 'status', 'total', 'memo']));
    await ui.rangeShown(page, 'Rows 1–10 of 23').waitFor();
    const file = await download(page, () => ui.exportButton(page, 'JSON').click(), artifact('orders.json'));
    assert.equal(file.name, 'orders.json');
    await eventually(async () => assert.equal((await ui.exportStatus(page).innerText()).trim(), 'Exported 23 rows as JSON'));
    const rows = JSON.parse(file.text);
    assert.equal(rows.length, 23);
    const want = await apiRows(server, PAID + '&fields=status,total,memo&limit=10');
    assert.deepEqual(rows, want);
    assert.ok(rows.every((o) => o.status === 'paid' && !('placed_by' in o)));
  });

  test('the header shows the last request\'s statement count (Server-Timing)', async ({ page }) => {
    await ui.open(page, '/orders');
    await ui.rangeShown(page, 'Rows 1–10 of 34').waitFor();
    const [resp] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/api/orders'),
      ui.nextPage(page).click()]);
    const m = /db;desc="(\d+) quer/.exec(resp.headers()['server-timing'] || '');
    assert.ok(m, 'the answer has a Server-Timing db entry: ' + resp.headers()['server-timing']);
    const k = Number(m[1]);
    assert.ok(k >= 2, 'a page with a count and a facet takes several statements');
    await ui.rangeShown(page, 'Rows 11–20 of 34').waitFor();
    await eventually(async () => {
      assert.match(await ui.timing(page).innerText(), new RegExp(`^GET /api/orders → 200: ${k} statements, `));
      assert.equal(await ui.timing(page).getAttribute('data-queries'), String(k));
    });
  });
});
