/* list.js: a list of rows (a resource, or a to-many relationship of one
 * row): the filter editor, the column chooser and include control, export,
 * the table (sortable headers, many-to-one values as labels of their target
 * rows), facet counts and paging (offset or cursor). */
import { h, nextId, announce, valueNode } from './dom.js';
import { parseJson, isPlainObject } from './json.js';
import { api, problemOf } from './http.js';
import { problemBox } from './problem.js';
import { buildQuery, getParam, withParams, hashOf, apiToHash, go, parseQuery } from './hash.js';
import { readable, isNum, keyLabel, fkColumn, pageLimit } from './schema.js';
import { filterEditor } from './filter.js';
import { relLink, fkCell } from './rels.js';
import { columnChooser, includeControl, exportControl, includable } from './listcontrols.js';
import { breadcrumbs } from './crumbs.js';

const LIMITS = [10, 20, 50, 100];
/* what is not the equality shorthand */
const LIST_PARAMS = ['filter', 'sort', 'limit', 'offset', 'cursor', 'count', 'facet', 'facet_size', 'fields', 'include'];

/* The page sizes offered: the usual ones the resource allows (none above
 * its max_page_size, a 400) and the one shown. */
function pageSizes(meta, limit) {
  const sizes = LIMITS.filter((n) => pageLimit(meta, n) === n);
  return sizes.concat(sizes.includes(limit) ? [] : [limit]).sort((a, b) => a - b);
}

/* Low-cardinality columns (choices, booleans) get facet counts over the
 * filtered rows, and to-many relationships their per-row counts (SPEC §10
 * B): asked along with the page; each facet costs one statement, the
 * counts none. At most 10 of each, as the server takes. */
function facetColumns(meta) {
  return readable(meta).filter((c) => !c.primary_key && (c.type === 'boolean' || Array.isArray(c.choices))).slice(0, 10);
}

/* Without ?include the page embeds what the schema embeds (eager
 * relationships) and the many-to-one targets, so that foreign keys show
 * their target's label. */
function defaultInclude(meta) {
  return includable(meta).filter((r) => r.direction === 'many_to_one' || r.lazy === 'joined' || r.lazy === 'selectin'
    || r.lazy === 'subquery').map((r) => r.name);
}

function listExtras(meta, params, withInclude) {
  const extra = [];
  const facets = facetColumns(meta).map((c) => c.name);
  if (facets.length && getParam(params, 'facet') === null) extra.push(['facet', facets.join(',')]);
  (meta.relationships || []).filter((r) => r.uselist).slice(0, 10).forEach((r) => {
    if (getParam(params, 'count[' + r.name + ']') === null) extra.push(['count[' + r.name + ']', '*']);
  });
  const inc = defaultInclude(meta);
  if (withInclude && inc.length && getParam(params, 'include') === null) extra.push(['include', inc.join(',')]);
  return extra;
}

/* meta.facets as lists of value (count) links: a click narrows the filter
 * to that value (null: is null). */
function facetsBox(facets, filterText, apply) {
  let current = {};
  try { current = parseJson(filterText || '{}'); } catch (e) { current = {}; }
  const base = isPlainObject(current) ? current : {};
  const groups = Object.keys(facets).filter((k) => isPlainObject(facets[k]) && Array.isArray(facets[k].values));
  if (!groups.length) return h('span', null);
  return h('section', { class: 'facets', 'aria-label': 'Facets' }, groups.map((path) => {
    const f = facets[path];
    return h('div', { class: 'facet' }, h('h2', { class: 'facet-name' }, path),
      h('ul', null, f.values.map((v) => {
        const narrowed = Object.assign({}, base, { [path]: v.value === null ? { is_null: true } : v.value });
        return h('li', null, h('button', { type: 'button', class: 'link', 'data-fk': 'facet:' + path,
          'aria-label': path + ' = ' + (v.value === null ? 'null' : String(v.value)) + ' (' + v.count + ' rows)',
          onclick: () => apply(JSON.stringify(narrowed)) }, valueNode(v.value, 40)), ' ',
        h('span', { class: 'muted small facet-count' }, String(v.count)));
      })), f.truncated ? h('p', { class: 'muted small' }, 'more values not shown') : null);
  }));
}

/* Cursor pages know neither their position nor the page before them, so
 * the page remembers, per page hash, where it starts and which page led to
 * it (sessionStorage: survives reload, back and forward). */
const PAGES_KEY = 'restmap.pages';
function loadPages() {
  try { const v = JSON.parse(sessionStorage.getItem(PAGES_KEY) || '{}'); return isPlainObject(v) ? v : {}; } catch (e) { return {}; }
}
function rememberPage(hash, info) {
  const pages = loadPages();
  delete pages[hash];
  pages[hash] = info;
  const keys = Object.keys(pages);
  for (const k of keys.slice(0, Math.max(0, keys.length - 200))) delete pages[k];
  try { sessionStorage.setItem(PAGES_KEY, JSON.stringify(pages)); } catch (e) { /* storage off */ }
}

async function fetchPage(ctx, params) {
  const base = params.filter(([k]) => k !== 'count').concat([['count', 'exact']]);
  let extras = listExtras(ctx.meta, params, true);
  let resp = await api('GET', ctx.apiPath + '?' + buildQuery(base.concat(extras)));
  /* an include the role may not take: ask again with what the schema embeds */
  if (resp.status === 400 && getParam(params, 'include') === null
      && problemOf(resp).errors.some((e) => e.pointer === '/query/include')) {
    extras = listExtras(ctx.meta, params, false);
    resp = await api('GET', ctx.apiPath + '?' + buildQuery(base.concat(extras)));
  }
  resp.added = new Set(extras.map(([k]) => k));
  return resp;
}

/* A page link of the server as a hash, without the parameters the page
 * added itself (they are added again). */
function pageHash(link, added) {
  const hash = apiToHash(link);
  if (!hash) return null;
  const q = hash.indexOf('?');
  if (q < 0) return hash;
  return hashOf(hash.slice(1, q), parseQuery(hash.slice(q + 1)).filter(([k]) => !added.has(k)));
}

export async function listView(ctx) {
  const { meta, params, view, hashPath } = ctx;
  const here = hashOf(hashPath, params);
  const go2 = (changes) => go(hashOf(hashPath, withParams(params, { cursor: null, offset: null, ...changes })));

  view.appendChild(breadcrumbs(ctx.crumbs));
  view.appendChild(h('div', { class: 'title-row' },
    h('h1', null, ctx.title, ctx.rel ? h('span', { class: 'muted small' }, ' ', ctx.rel.target, ' rows') : null),
    ctx.canCreate ? h('a', { class: 'button primary', href: hashOf(hashPath + '/~new') },
      ctx.rel ? 'Add new ' + ctx.rel.target : 'New ' + (meta.entity || meta.name)) : null));

  const filterText = getParam(params, 'filter');
  const filterUi = filterEditor(ctx, filterText, (f) => go2({ filter: f }));
  view.appendChild(filterUi.el);

  const fieldsParam = getParam(params, 'fields');
  const cols = readable(meta).filter((c) => c.primary_key || !fieldsParam || fieldsParam.split(',').includes(c.name));
  view.appendChild(h('div', { class: 'list-tools' },
    columnChooser(meta, fieldsParam, (f) => go2({ fields: f })),
    includeControl(meta, getParam(params, 'include'), defaultInclude(meta), (i) => go2({ include: i })),
    exportControl(ctx, params, cols.map((c) => c.name))));

  const shorthand = params.filter(([k]) => !LIST_PARAMS.includes(k) && !k.startsWith('count[') && !k.startsWith('fields['));
  if (shorthand.length) {
    view.appendChild(h('p', { class: 'chips' }, 'Also in the query: ', shorthand.map(([k, v]) => [
      h('code', null, k + '=' + v), ' ']),
    h('a', { href: hashOf(hashPath, params.filter(([k]) => !shorthand.some(([s]) => s === k))) }, 'remove')));
  }

  const resp = await fetchPage(ctx, params);
  if (!ctx.alive()) return;

  if (!resp.ok || !resp.data || !Array.isArray(resp.data.data)) {
    const p = problemOf(resp);
    const filterErrs = p.errors.filter((e) => typeof e.pointer === 'string' && e.pointer.startsWith('/filter'));
    if (filterErrs.length || (p.status === 400 && filterText !== null && !p.errors.length)) {
      filterUi.showErrors(p, filterErrs);
      const rest = p.errors.filter((e) => !filterErrs.includes(e));
      if (rest.length) view.appendChild(problemBox(p, rest));
    } else {
      view.appendChild(problemBox(p));
    }
    if (params.length) {
      view.appendChild(h('p', null, h('a', { href: hashOf(hashPath) }, 'Show ' + (ctx.title || meta.name) + ' without these query parameters')));
    }
    ctx.show();
    announce('The list could not be loaded: ' + p.title);
    return;
  }

  const { data, meta: m = {}, links = {} } = resp.data;
  const limit = Number.isInteger(m.limit) ? m.limit : Number(getParam(params, 'limit')) || 20;

  /* position and previous page: from the server (offset paging) or remembered (cursor paging) */
  const cursor = getParam(params, 'cursor');
  const seen = cursor ? loadPages()[here] : null;
  const start = cursor ? (seen && Number.isInteger(seen.start) ? seen.start : null)
    : (Number.isInteger(m.offset) ? m.offset : 0);

  const rels = meta.relationships || [];
  const sort = getParam(params, 'sort') || '';
  const primarySort = sort.split(',')[0] || '';
  const capId = nextId('cap');
  const total = Number.isInteger(m.total) ? m.total : null;
  const ofTotal = total !== null ? ' of ' + total : '';
  let rangeText;
  if (!data.length) rangeText = total !== null ? 'No rows on this page (' + total + ' in all)' : 'No rows';
  else if (start === null) rangeText = data.length + (data.length === 1 ? ' row' : ' rows') + ' on this page' + ofTotal;
  else if (data.length === 1) rangeText = 'Row ' + (start + 1) + ofTotal;
  else rangeText = 'Rows ' + (start + 1) + '–' + (start + data.length) + ofTotal;

  const fks = new Set(rels.map((r) => fkColumn(meta, r)).filter(Boolean));
  const headRow = h('tr', null, cols.map((c) => {
    const dir = primarySort === c.name ? 'ascending' : primarySort === '-' + c.name ? 'descending' : null;
    const next = dir === 'ascending' ? '-' + c.name : c.name;
    return h('th', { scope: 'col', 'aria-sort': dir, class: isNum(c) && !c.primary_key && !fks.has(c) ? 'n' : null },
      h('button', { type: 'button', class: 'sort', 'data-fk': 'sort:' + c.name, onclick: () => go2({ sort: next }),
        title: 'Sort by ' + c.name + (dir === 'ascending' ? ' descending' : ' ascending') },
      h('span', { class: 'col-name' }, c.name,
        h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, dir === 'ascending' ? ' ▲' : dir === 'descending' ? ' ▼' : '')),
      h('span', { class: 'col-type' }, c.type)));
  }), rels.length ? h('th', { scope: 'col', class: 'plain' }, 'related') : null);

  const body = h('tbody', null, data.map((row) => {
    const self = row && row._links && typeof row._links.self === 'string' ? apiToHash(row._links.self) : null;
    return h('tr', null, cols.map((c) => {
      const cell = fkCell(meta, row, c, 80);
      if (c.primary_key && self) return h('th', { scope: 'row' }, h('a', { href: self, title: 'View ' + meta.name + ' ' + keyLabel(meta, row) }, cell));
      return h('td', { class: isNum(c) && cell.tagName !== 'A' ? 'n' : cell.textContent.length > 32 ? 'wrap' : null }, cell);
    }), rels.length ? h('td', { class: 'rel-cell' }, rels.map((rel) => {
      const l = relLink(row, rel);
      return l.href ? h('a', { href: l.href, class: 'rel' }, l.label) : h('span', { class: 'rel muted' }, l.label);
    })) : null);
  }));

  const table = h('div', { class: 'table-wrap', role: 'region', 'aria-labelledby': capId, tabindex: '0' },
    h('table', { class: 'rows' },
      h('caption', { id: capId }, (ctx.title || meta.name) + ' — ' + rangeText + (sort ? ', sorted by ' + sort : '')),
      h('thead', null, headRow), body));
  view.appendChild(table);
  if (!data.length) view.appendChild(h('p', { class: 'empty' }, filterText ? 'No rows match this filter.' : 'No rows here.'));
  if (m.facets) view.appendChild(facetsBox(m.facets, filterText, (f) => go2({ filter: f })));

  /* paging */
  const prevHash = (seen && typeof seen.prev === 'string' ? seen.prev : null) || pageHash(links.prev, resp.added);
  const nextHash = pageHash(links.next, resp.added);
  const limitId = nextId('limit');
  view.appendChild(h('nav', { class: 'pager', 'aria-label': 'Pages' },
    h('button', { type: 'button', 'data-fk': 'prev', disabled: !prevHash, onclick: () => go(prevHash) }, '‹ Previous'),
    h('span', { class: 'page-info' }, rangeText),
    h('button', { type: 'button', 'data-fk': 'next', disabled: !nextHash, onclick: () => {
      if (getParam(parseQuery(nextHash.split('?')[1] || ''), 'cursor')) {
        rememberPage(nextHash, { prev: here, start: start === null ? null : start + data.length });
      }
      go(nextHash);
    } }, 'Next ›'),
    h('label', { for: limitId, class: 'limit' }, 'Rows per page '),
    h('select', { id: limitId, 'data-fk': 'limit', value: String(limit), onchange: (ev) => go2({ limit: ev.target.value }) },
      pageSizes(meta, limit).map((n) => h('option', { value: String(n) }, String(n))))));
  if (sort) {
    view.appendChild(h('p', { class: 'muted small' }, 'Sort: ', h('code', null, sort), ' ',
      h('button', { type: 'button', class: 'link', onclick: () => go2({ sort: null }) }, 'clear sort')));
  }
  ctx.show();
  announce((ctx.title || meta.name) + ': ' + rangeText);
}
