/* store-write.test.js: writing with the explorer over the store
 * (fixtures/store.json): a create form whose inputs are typed by column
 * (number, date, datetime, checkbox, select for choices and for a nullable
 * boolean) saves typed values, and an edit that empties fields sends null;
 * a body with errors in several fields (a wrong type among them: 400)
 * shows every message next to its field at once; many-to-many members are
 * linked (by choice and by key) and unlinked. Each test touches its own
 * rows. */
'use strict';
const assert = require('node:assert/strict');
const { browserSuite, eventually, apiGet } = require('../lib/harness');
const ui = require('../lib/ui');

const STORE = { schema: 'tests/browser/fixtures/store.json', seed: 'tests/browser/fixtures/store.seed.json' };

const typeOf = (input) => input.evaluate((el) => (el.tagName === 'INPUT' ? el.type : el.tagName.toLowerCase()));
const options = (input) => input.locator('option').allInnerTexts();
/* The key of the object page shown ("#/customers/4" → "4"). */
const shownKey = (page) => /#\/[^/]+\/([^/?]+)$/.exec(page.url())[1];

browserSuite('store-write', STORE, (test) => {
  test('create and edit with inputs typed by column', async ({ page, server, artifact }) => {
    await ui.open(page, '/customers/~new');
    await ui.heading(page).filter({ hasText: 'New Customer' }).waitFor();
    const f = (c) => ui.field(page, c);
    const kinds = {};
    for (const c of ['name', 'tier', 'joined', 'last_seen', 'credit', 'rating', 'visits', 'vip', 'newsletter', 'card']) {
      kinds[c] = await typeOf(f(c));
    }
    assert.deepEqual(kinds, { name: 'text', tier: 'select', joined: 'date', last_seen: 'datetime-local', credit: 'number',
      rating: 'number', visits: 'number', vip: 'checkbox', newsletter: 'select', card: 'text' });
    assert.deepEqual(await options(f('tier')), ['— null —', 'gold', 'silver', 'bronze']);
    assert.deepEqual(await options(f('newsletter')), ['— null —', 'true', 'false']);
    assert.equal(await f('vip').isChecked(), false, 'the default (false) is shown');

    await f('name').fill('Dora');
    await f('tier').selectOption('silver');
    await f('joined').fill('2024-02-29');
    await f('last_seen').fill('2024-03-01T10:20');
    await f('credit').fill('12.50');
    await f('rating').fill('4.25');
    await f('visits').fill('7');
    await f('vip').check();
    await f('newsletter').selectOption('false');
    await page.screenshot({ path: artifact('filled.png'), fullPage: true });
    await ui.createButton(page).click();
    await ui.heading(page).filter({ hasText: /^customers \d+$/ }).waitFor();
    await ui.shown(page, 'Dora').waitFor();
    await ui.shown(page, '2024-03-01T10:20:00Z').waitFor();
    const id = shownKey(page);
    const { _links: links, ...saved } = await apiGet(server, '/api/customers/' + id);
    assert.deepEqual(saved, { id: Number(id), name: 'Dora', tier: 'silver', joined: '2024-02-29',
      last_seen: '2024-03-01T10:20:00Z', credit: '12.50', rating: 4.25, visits: 7, vip: true, newsletter: false, card: null });

    /* edit: an emptied field and "— null —" are null, the rest unchanged */
    await ui.editLink(page).click();
    await ui.heading(page).filter({ hasText: 'Edit customers ' + id }).waitFor();
    assert.equal(await f('joined').inputValue(), '2024-02-29');
    assert.equal(await f('last_seen').inputValue(), '2024-03-01T10:20');
    assert.equal(await f('vip').isChecked(), true);
    await f('rating').fill('');
    await f('newsletter').selectOption({ label: '— null —' });
    await f('visits').fill('8');
    await ui.saveButton(page).click();
    await ui.heading(page).filter({ hasText: 'customers ' + id }).waitFor();
    await eventually(async () => {
      const { _links: l2, ...now } = await apiGet(server, '/api/customers/' + id);
      assert.deepEqual(now, { ...saved, rating: null, newsletter: null, visits: 8 });
    });
  });

  test('every field error at once, each next to its field (a type error among them)', async ({ page, artifact }) => {
    await ui.open(page, '/customers/~new');
    const f = (c) => ui.field(page, c);
    await f('rating').fill('9');
    await f('visits').fill('1.5');
    await f('card').fill('not-a-uuid');
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      ui.createButton(page).click()]);
    assert.equal(resp.status(), 400, 'a wrong type and 422s together answer 400');
    const want = { name: /required/i, rating: /at most 5/, visits: /integer/, card: /UUID/ };
    await eventually(async () => {
      for (const [col, msg] of Object.entries(want)) {
        const st = await ui.fieldState(page, col);
        assert.equal(st.invalid, true, col + ' is marked invalid');
        assert.match(st.description, msg, col);
      }
    });
    for (const col of ['tier', 'joined', 'credit', 'vip']) {
      assert.equal((await ui.fieldState(page, col)).invalid, false, col + ' is not marked invalid');
    }
    assert.match(await ui.formProblem(page).innerText(), /next to the fields/);
    await page.screenshot({ path: artifact('field-errors.png'), fullPage: true });

    await f('name').fill('Eli');
    await f('rating').fill('5');
    await f('visits').fill('2');
    await f('card').fill('123e4567-e89b-12d3-a456-426614174000');
    await ui.createButton(page).click();
    await ui.heading(page).filter({ hasText: /^customers \d+$/ }).waitFor();
    await ui.shown(page, 'Eli').waitFor();
    await ui.shown(page, '123e4567-e89b-12d3-a456-426614174000').waitFor();
  }, { allowStatus: [400] });

  test('many-to-many: link a member by choice and by key, unlink one', async ({ page, server, artifact }) => {
    await ui.open(page, '/orders/1');
    await ui.membersOf(page, 'tags').waitFor();
    await eventually(async () => assert.deepEqual(await ui.memberLabels(page, 'tags'), ['gift']));

    await ui.linkChoice(page, 'tags', 'Tag').selectOption({ label: 'rush (2)' });
    await ui.linkButton(page, 'tags').click();
    await eventually(async () => assert.deepEqual(await ui.memberLabels(page, 'tags'), ['gift', 'rush']));
    await ui.linkKey(page, 'tags').fill('3');
    await ui.linkButton(page, 'tags').click();
    await eventually(async () => assert.deepEqual(await ui.memberLabels(page, 'tags'), ['gift', 'rush', 'wholesale']));
    const names = async () => (await apiGet(server, '/api/orders/1/tags')).data.map((t) => t.name);
    assert.deepEqual(await names(), ['gift', 'rush', 'wholesale']);

    await ui.unlinkButton(page, 'tags', 'gift').click();
    await eventually(async () => assert.deepEqual(await ui.memberLabels(page, 'tags'), ['rush', 'wholesale']));
    assert.deepEqual(await names(), ['rush', 'wholesale']);
    assert.equal((await apiGet(server, '/api/tags/1')).name, 'gift', 'unlinking keeps the tag');
    await page.screenshot({ path: artifact('members.png'), fullPage: true });
    /* the choice offers what is not linked */
    assert.deepEqual(await ui.linkChoice(page, 'tags', 'Tag').locator('option').allInnerTexts(),
      ['— choose a Tag —', 'gift (1)']);
    /* and the order's tags list shows the same */
    await ui.open(page, '/orders/1/tags');
    await eventually(async () => assert.deepEqual(await ui.columnValues(page, 'tags', 'name'), ['rush', 'wholesale']));
    /* the other side: a tag's orders, read in pages the orders allow (at most 10) */
    await ui.open(page, '/tags/2');
    await eventually(async () => assert.deepEqual(await ui.memberLabels(page, 'orders'), ['1', '2']));
    /* to choose from: the first page of 10 orders but the two linked */
    assert.equal(await ui.linkChoice(page, 'orders', 'Order').locator('option').count(), 1 + 8);
  });
});
