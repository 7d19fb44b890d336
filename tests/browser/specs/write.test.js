/* write.test.js: writing with the explorer, over the blog schema
 * (fixtures/blog.seed.json): a create the server rejects shows the error
 * next to its field, fixed and saved it is a new row in the list; an edit
 * saves and shows the new value; a delete removes the row. Each test
 * touches its own rows, so their order does not matter. */
'use strict';
const assert = require('node:assert/strict');
const { browserSuite, eventually } = require('../lib/harness');
const ui = require('../lib/ui');

const BLOG = { schema: 'schemas/blog.json', seed: 'tests/browser/fixtures/blog.seed.json' };

/* "Rows 1–20 of 25" → 25: the total the list page says. */
async function totalShown(page) {
  const text = await page.getByText(/^Rows? \d+(–\d+)? of \d+$/).first().innerText();
  return Number(/of (\d+)$/.exec(text.trim())[1]);
}

browserSuite('write', BLOG, (test) => {
  test('create: a field error next to its field, then fixed, saved and listed', async ({ page, artifact }) => {
    await ui.open(page, '/users');
    const before = await totalShown(page);
    await ui.newRowLink(page).click();
    await ui.field(page, 'fullname').fill('Zoe Quinn');
    await ui.createButton(page).click();
    /* name is required: the message is on the name field, not elsewhere */
    await eventually(async () => {
      const name = await ui.fieldState(page, 'name');
      assert.equal(name.invalid, true, 'the name field is marked invalid');
      assert.match(name.description, /required/i);
    });
    assert.equal((await ui.fieldState(page, 'fullname')).invalid, false, 'fullname is not marked invalid');
    await page.screenshot({ path: artifact('field-error.png'), fullPage: true });

    await ui.field(page, 'name').fill('zoe');
    await ui.createButton(page).click();
    await ui.heading(page).filter({ hasText: /users \d+/ }).waitFor();
    await ui.shown(page, 'Zoe Quinn').waitFor();
    await ui.shown(page, 'zoe').waitFor();

    /* the new row is in the list: the last one, sorted by id descending first */
    await ui.breadcrumb(page, 'users').click();
    await eventually(async () => assert.equal(await totalShown(page), before + 1));
    await ui.sortBy(page, 'users', 'id', 'descending');
    await eventually(async () => assert.equal((await ui.columnValues(page, 'users', 'name'))[0], 'zoe'));
    assert.equal((await ui.columnValues(page, 'users', 'fullname'))[0], 'Zoe Quinn');
  }, { allowStatus: [422] });

  test('edit: a changed field is saved and shown', async ({ page }) => {
    await ui.open(page, '/users');
    await ui.rowLink(ui.rowWith(page, 'users', 'Mary Contrary')).click();
    await ui.heading(page).filter({ hasText: 'users 3' }).waitFor();
    await ui.editLink(page).click();
    const fullname = ui.field(page, 'fullname');
    assert.equal(await fullname.inputValue(), 'Mary Contrary');
    await fullname.fill('Mary Quite Contrary');
    await ui.saveButton(page).click();
    await ui.shown(page, 'Mary Quite Contrary').waitFor();
    assert.equal(await page.getByText('Mary Contrary', { exact: true }).count(), 0);

    await ui.breadcrumb(page, 'users').click();
    await ui.rowWith(page, 'users', 'Mary Quite Contrary').waitFor();
    assert.deepEqual(await ui.columnValues(page, 'users', 'name').then((v) => v.filter((n) => n === 'mary')), ['mary']);
  });

  test('delete: the row is gone from the list', async ({ page }) => {
    await ui.open(page, '/users');
    const before = await totalShown(page);
    await ui.rowLink(ui.rowWith(page, 'users', 'Fred Flinstone')).click();
    await ui.heading(page).filter({ hasText: 'users 4' }).waitFor();
    await ui.deleteShown(page);
    await ui.rowsTable(page, 'users').waitFor();
    await eventually(async () => assert.equal(await totalShown(page), before - 1));
    assert.equal(await ui.rowWith(page, 'users', 'Fred Flinstone').count(), 0);
    /* and its page says so */
    await ui.open(page, '/users/4');
    await ui.heading(page).filter({ hasText: 'Not found' }).waitFor();
  }, { allowStatus: [404] });
});
