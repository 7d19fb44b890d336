/* browse.test.js: reading with the explorer, over the blog schema with 25
 * users (fixtures/blog.seed.json): the list of resources, paging forward
 * and back and sorting by a column, narrowing the rows with the filter
 * editor, and following relationships from a row (one-to-many,
 * many-to-one, many-to-many). Nothing here writes. */
'use strict';
const assert = require('node:assert/strict');
const { browserSuite, eventually } = require('../lib/harness');
const ui = require('../lib/ui');

const BLOG = { schema: 'schemas/blog.json', seed: 'tests/browser/fixtures/blog.seed.json' };

browserSuite('browse', BLOG, (test) => {
  test('lists the resources of the schema', async ({ page }) => {
    await ui.open(page);
    await ui.heading(page).filter({ hasText: 'Resources' }).waitFor();
    const names = await ui.nav(page).getByRole('link').allInnerTexts();
    assert.deepEqual(names.map((n) => n.trim()).sort(), ['addresses', 'keywords', 'posts', 'users']);
    /* each resource links to its rows */
    await ui.navLink(page, 'keywords').click();
    await ui.heading(page).filter({ hasText: 'keywords' }).waitFor();
    await ui.rowWith(page, 'keywords', 'firstpost').waitFor();
    assert.equal(await ui.dataRows(page, 'keywords').count(), 3);
  });

  test('pages forward and back, and sorts by a column', async ({ page }) => {
    await ui.open(page);
    await ui.navLink(page, 'users').click();
    await ui.rangeShown(page, 'Rows 1–20 of 25').waitFor();
    assert.equal(await ui.dataRows(page, 'users').count(), 20);
    assert.deepEqual((await ui.columnValues(page, 'users', 'name')).slice(0, 2), ['ed', 'wendy']);

    await ui.nextPage(page).click();
    await ui.rangeShown(page, 'Rows 21–25 of 25').waitFor();
    assert.deepEqual(await ui.columnValues(page, 'users', 'name'), ['user21', 'user22', 'user23', 'user24', 'user25']);
    assert.equal(await ui.nextPage(page).isDisabled(), true, 'the last page offers no next page');

    await ui.previousPage(page).click();
    await ui.rangeShown(page, 'Rows 1–20 of 25').waitFor();
    assert.deepEqual((await ui.columnValues(page, 'users', 'name')).slice(0, 2), ['ed', 'wendy']);

    /* sort by name, ascending then descending; the header says which */
    await ui.sortBy(page, 'users', 'name', 'ascending');
    const names = ['ed', 'fred', 'jack', 'mary', 'user06', 'user07', 'user08', 'user09', 'user10', 'user11', 'user12',
      'user13', 'user14', 'user15', 'user16', 'user17', 'user18', 'user19', 'user20', 'user21', 'user22', 'user23',
      'user24', 'user25', 'wendy'];
    assert.deepEqual(await ui.columnValues(page, 'users', 'name'), names.slice(0, 20));
    await ui.sortBy(page, 'users', 'name', 'descending');
    assert.deepEqual(await ui.columnValues(page, 'users', 'name'), names.slice().reverse().slice(0, 20));
    /* paging keeps the order */
    await ui.nextPage(page).click();
    await ui.rangeShown(page, 'Rows 21–25 of 25').waitFor();
    assert.deepEqual(await ui.columnValues(page, 'users', 'name'), names.slice().reverse().slice(20));
  });

  test('a filter built with the filter editor narrows the rows', async ({ page }) => {
    await ui.open(page, '/users');
    await ui.rangeShown(page, 'Rows 1–20 of 25').waitFor();
    await ui.addFilterCondition(page, 'name', 'startswith', 'user1');
    await ui.applyFilter(page);
    await ui.rangeShown(page, 'Rows 1–10 of 10').waitFor();
    assert.deepEqual(await ui.columnValues(page, 'users', 'name'),
      ['user10', 'user11', 'user12', 'user13', 'user14', 'user15', 'user16', 'user17', 'user18', 'user19']);
    /* a second condition, and-ed: fewer still */
    await ui.addFilterCondition(page, 'id', 'le', '12');
    await ui.applyFilter(page);
    await ui.rangeShown(page, 'Rows 1–3 of 3').waitFor();
    assert.deepEqual(await ui.columnValues(page, 'users', 'name'), ['user10', 'user11', 'user12']);
  });

  test('follows relationships from a row to its related rows', async ({ page }) => {
    await ui.open(page, '/users');
    /* one-to-many: jack's addresses */
    await ui.relationLink(ui.rowWith(page, 'users', 'Jack Bean'), 'addresses').click();
    await ui.heading(page).filter({ hasText: 'addresses' }).waitFor();
    await eventually(async () => assert.deepEqual(await ui.columnValues(page, 'addresses', 'email_address'),
      ['jack@google.com', 'j25@yahoo.com']));
    /* many-to-one: back from an address to its user */
    await ui.relationLink(ui.rowWith(page, 'addresses', 'j25@yahoo.com'), 'user').click();
    await ui.shown(page, 'Jack Bean').waitFor();
    await ui.shown(page, 'jack').waitFor();
    /* many-to-many: the keywords of Wendy's post */
    await ui.open(page, '/posts');
    await ui.relationLink(ui.rowWith(page, 'posts', "Wendy's Blog Post"), 'keywords').click();
    await ui.heading(page).filter({ hasText: 'keywords' }).waitFor();
    await eventually(async () => assert.deepEqual((await ui.columnValues(page, 'keywords', 'keyword')).sort(),
      ['firstpost', 'wendy']));
  });
});
