/* ui.js: every way the browser tests find something in the explorer
 * (static/index.html, static/app.js), in one place: when the explorer
 * changes, this file changes and the specs stay. Locators go by what a
 * user perceives (roles, accessible names, labels, visible text), not by
 * classes or structure. */
'use strict';

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/* an accessible name that starts with the word `word` ("name *", "name ▲", not "fullname") */
const startsWithWord = (word) => new RegExp('^\\s*' + esc(word) + '(?![\\w-])');

/* ---------------------------------------------------------------- pages */

const open = (page, hash = '') => page.goto('/' + (hash ? '#' + hash.replace(/^#/, '') : ''));
const nav = (page) => page.getByRole('navigation', { name: 'Resources' });
const navLink = (page, resource) => nav(page).getByRole('link', { name: resource, exact: true });
const heading = (page) => page.getByRole('heading', { level: 1 });
const breadcrumb = (page, label) => page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: label, exact: true });

/* ----------------------------------------------------------------- lists */

/* The table of rows of a list titled `title` (its caption starts with it). */
const rowsTable = (page, title) => page.getByRole('table', { name: startsWithWord(title) });
/* The data rows (not the header row). */
const dataRows = (page, title) => rowsTable(page, title).locator('tbody').getByRole('row');
const rowWith = (page, title, text) => dataRows(page, title).filter({ hasText: text });
/* "Rows 1–20 of 25": the range the list says it shows. */
const rangeShown = (page, text) => page.getByText(text, { exact: true }).first();
const nextPage = (page) => page.getByRole('button', { name: /next/i });
const previousPage = (page) => page.getByRole('button', { name: /previous/i });
const columnHeader = (page, title, column) => rowsTable(page, title).getByRole('columnheader', { name: startsWithWord(column) });
const sortButton = (page, title, column) => columnHeader(page, title, column).getByRole('button');

/* Sort the list by column, 'ascending' or 'descending', clicking its
 * header as a user would until the header says that order (aria-sort). */
async function sortBy(page, title, column, direction) {
  const header = columnHeader(page, title, column);
  for (let clicks = 0; clicks < 3; clicks++) {
    const end = Date.now() + 10000;
    let now = await header.getAttribute('aria-sort');
    if (now === direction) return;
    await sortButton(page, title, column).click();
    while (now === (await header.getAttribute('aria-sort'))) {
      if (Date.now() > end) throw new Error(`sorting ${title} by ${column}: the header stays ${now}`);
      await page.waitForTimeout(50);
    }
  }
  throw new Error(`sorting ${title} by ${column}: never ${direction}`);
}

/* The texts of one column of the list, top to bottom. */
async function columnValues(page, title, column) {
  const table = rowsTable(page, title);
  const headers = await table.getByRole('columnheader').allInnerTexts();
  const at = headers.findIndex((t) => startsWithWord(column).test(t));
  if (at < 0) throw new Error(`no column ${column} in the ${title} list; columns: ${JSON.stringify(headers)}`);
  const rows = await table.locator('tbody').getByRole('row').all();
  const values = [];
  for (const row of rows) values.push((await row.locator('th, td').nth(at).innerText()).trim());
  return values;
}

/* A link in a row to its related rows (to-many "addresses (2)", to-one "user 5"). */
const relationLink = (row, relationship) => row.getByRole('link', { name: startsWithWord(relationship) });
/* The link of a row to its own page (the primary key cell). */
const rowLink = (row) => row.getByRole('rowheader').getByRole('link');
const newRowLink = (page) => page.getByRole('link', { name: /^(new|add new)\b/i });

/* ---------------------------------------------------------- filter editor */

async function addFilterCondition(page, column, operator, value) {
  const columnSelect = page.getByLabel('Column', { exact: true });
  if (!(await columnSelect.isVisible())) await page.getByText('Filter', { exact: true }).click();
  await columnSelect.selectOption(column);
  await page.getByLabel('Operator', { exact: true }).selectOption(operator);
  await page.getByLabel('Value', { exact: true }).fill(value);
  await page.getByRole('button', { name: 'Add to filter' }).click();
}
const applyFilter = (page) => page.getByRole('button', { name: 'Apply filter' }).click();

/* ----------------------------------------------------------------- forms */

/* The input of column `column` in a create or edit form (its label starts
 * with the column's name: "name *" for a required one). */
const field = (page, column) => page.getByLabel(startsWithWord(column)).and(page.locator('input, textarea, select'));
const createButton = (page) => page.getByRole('button', { name: /^create$/i });
const saveButton = (page) => page.getByRole('button', { name: /^save/i });

/* What the form says about one field: whether it is marked invalid and the
 * text of the elements that describe it (hint and error message). */
async function fieldState(page, column) {
  const input = field(page, column);
  const invalid = (await input.getAttribute('aria-invalid')) === 'true';
  const ids = ((await input.getAttribute('aria-describedby')) || '').split(/\s+/).filter(Boolean);
  const texts = [];
  for (const id of ids) {
    const el = page.locator(`[id="${id}"]`);
    if (await el.isVisible()) texts.push((await el.innerText()).trim());
  }
  return { invalid, description: texts.join(' ') };
}

/* --------------------------------------------------------------- objects */

const editLink = (page) => page.getByRole('link', { name: 'Edit', exact: true });
const deleteButton = (page) => page.getByRole('button', { name: 'Delete', exact: true });

/* Delete the object shown, accepting the confirmation the explorer asks for. */
async function deleteShown(page) {
  page.once('dialog', (d) => d.accept());
  await deleteButton(page).click();
}

/* ---------------------------------------------------------------- header */

const apiLink = (page) => page.getByRole('banner').getByRole('link', { name: 'API', exact: true });
/* The last request's line ("GET /api/orders → 200: 2 statements, ..."). */
const timing = (page) => page.locator('#timing');

/* ----------------------------------------------------- list tools, facets */

/* The column chooser and the include control: disclosures opened by their summary. */
const columnsBox = (page) => page.locator('details#columns-box');
const includeBox = (page) => page.locator('details#include-box');
async function openBox(box) {
  if ((await box.getAttribute('open')) === null) await box.locator('summary').click();
}
const boxCheck = (box, name) => box.getByRole('checkbox', { name, exact: true });
const applyColumns = (page) => page.getByRole('button', { name: 'Apply columns' });
const allColumns = (page) => page.getByRole('button', { name: 'All columns' });
const applyInclude = (page) => page.getByRole('button', { name: 'Apply include' });
const defaultInclude = (page) => page.getByRole('button', { name: 'Default include' });
/* The column headers of a list, by name (the name without its type and sort mark). */
async function columnNames(page, title) {
  return rowsTable(page, title).locator('thead .col-name').evaluateAll((els) => els.map((e) => e.firstChild.textContent.trim()));
}

const exportButton = (page, format) => page.getByRole('button', { name: 'Export ' + format, exact: true });
const exportStatus = (page) => page.getByRole('group', { name: 'Export' }).getByRole('status');
/* A facet value: "status = paid (5 rows)". */
const facet = (page, column, value) => page.getByRole('button', { name: new RegExp('^' + esc(column + ' = ' + value) + ' \\(\\d+ rows\\)$') });

/* A many-to-one value shown as its target's label, linked to the target row. */
const fkLink = (row, label) => row.getByRole('link', { name: label, exact: true });

/* --------------------------------------------------- many-to-many members */

/* The section of the members of relationship rel on an object page. */
const membersOf = (page, rel) => page.getByRole('region', { name: startsWithWord(rel) });
async function memberLabels(page, rel) {
  const items = membersOf(page, rel).getByRole('list').first().getByRole('listitem');
  return (await items.getByRole('link').allInnerTexts()).map((t) => t.trim());
}
const linkChoice = (page, rel, target) => page.getByLabel(`Link a ${target} to ${rel}`);
const linkKey = (page, rel) => membersOf(page, rel).getByLabel('or its key');
const linkButton = (page, rel) => page.getByRole('button', { name: 'Link to ' + rel, exact: true });
const unlinkButton = (page, rel, label) => page.getByRole('button', { name: `Unlink ${label} from ${rel}`, exact: true });

/* ---------------------------------------------------------------- forms */

/* The box of the errors that name no field (and the lead of those that do). */
const formProblem = (page) => page.locator('#form-problem');

/* -------------------------------------------------------------- API page */

const tokenField = (page) => page.getByLabel('Bearer token');
const findOperations = (page) => page.getByLabel('Find operations');
/* One operation ("GET /api/customers/{id}"), opened. */
async function operation(page, methodPath) {
  const op = page.locator(`details.op[data-op="${methodPath}"]`);
  if ((await op.getAttribute('open')) === null) await op.locator('summary').click();
  return op;
}
const paramInput = (op, name) => op.getByLabel(name, { exact: true });
const requestBody = (op) => op.getByLabel('Request body (JSON)');
const sendButton = (op, methodPath) => op.getByRole('button', { name: 'Send ' + methodPath, exact: true });
const tryStatus = (op) => op.locator('.try-status');
const tryBody = (op) => op.getByLabel('Response body');
const tryHeaders = (op) => op.getByLabel('Response headers');
const curlLine = (op) => op.locator('code.curl');

/* Text the user sees (exact, whole element). */
const shown = (page, text) => page.getByText(text, { exact: true }).first();

module.exports = {
  open, nav, navLink, heading, breadcrumb,
  rowsTable, dataRows, rowWith, rangeShown, nextPage, previousPage, columnHeader, sortButton, sortBy, columnValues,
  relationLink, rowLink, newRowLink,
  addFilterCondition, applyFilter,
  field, createButton, saveButton, fieldState,
  editLink, deleteButton, deleteShown, shown,
  apiLink, timing,
  columnsBox, includeBox, openBox, boxCheck, applyColumns, allColumns, applyInclude, defaultInclude, columnNames,
  exportButton, exportStatus, facet, fkLink,
  membersOf, memberLabels, linkChoice, linkKey, linkButton, unlinkButton,
  formProblem,
  tokenField, findOperations, operation, paramInput, requestBody, sendButton, tryStatus, tryBody, tryHeaders, curlLine,
};
