/* filter.js: the filter editor of a list: a builder that adds a condition
 * (column or related column, operator, value) to the JSON filter, the JSON
 * itself in a textarea, and the server's errors for it (pointers into the
 * filter). SPEC §5. */
import { h, clear, nextId, announce } from './dom.js';
import { parseJson, numberFrom, prettyJson, isPlainObject } from './json.js';
import { readable, metaOfEntity } from './schema.js';
import { problemBox } from './problem.js';

const OPS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'in', 'nin', 'like', 'ilike',
  'startswith', 'endswith', 'contains', 'is_null', 'between'];
const OP_HINTS = {
  in: 'comma-separated values, or a JSON array',
  nin: 'comma-separated values, or a JSON array',
  between: 'low, high (or a JSON array of two)',
  is_null: 'true or false',
  like: 'SQL pattern: % any run, _ one character, \\ escapes',
  ilike: 'SQL pattern, case-insensitive',
};
const NUMERIC_TYPES = new Set(['integer', 'bigint', 'float']);
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

function filterPaths(meta) {
  const groups = [{ label: 'Columns', items: readable(meta).map((c) => ({ path: c.name, col: c })) }];
  for (const rel of meta.relationships || []) {
    const t = metaOfEntity(rel.target);
    if (!t) continue;
    groups.push({ label: rel.name + ' (' + rel.target + ')', items: readable(t).map((c) => ({ path: rel.name + '.' + c.name, col: c })) });
  }
  return groups;
}

function convertScalar(text, col) {
  const t = text.trim();
  if (t === 'null') return null;
  if (col && NUMERIC_TYPES.has(col.type) && JSON_NUMBER.test(t)) return numberFrom(t);
  if (col && col.type === 'boolean' && (t === 'true' || t === 'false')) return t === 'true';
  if (col && col.type === 'json') { try { return parseJson(t); } catch (e) { return text; } }
  return col && col.type === 'string' ? text : t;
}

function builderValue(op, text, col) {
  const t = text.trim();
  if (op === 'is_null') {
    if (t === '' || t === 'true') return true;
    if (t === 'false') return false;
    throw new Error('is_null takes true or false');
  }
  if (op === 'in' || op === 'nin' || op === 'between') {
    let arr;
    if (t.startsWith('[')) {
      try { arr = parseJson(t); } catch (e) { throw new Error('not a JSON array: ' + e.message); }
      if (!Array.isArray(arr)) throw new Error('not a JSON array');
    } else {
      arr = t === '' ? [] : t.split(',').map((s) => convertScalar(s.trim(), col));
    }
    if (op === 'between' && arr.length !== 2) throw new Error('between takes two values: low, high');
    return arr;
  }
  if (t.startsWith('"') && t.endsWith('"') && t.length >= 2) {
    try { return parseJson(t); } catch (e) { /* fall through */ }
  }
  return ['like', 'ilike', 'startswith', 'endswith', 'contains'].includes(op) ? text : convertScalar(text, col);
}

function addCondition(current, path, op, value, mode) {
  const cond = { [path]: { [op]: value } };
  if (!isPlainObject(current) || !Object.keys(current).length) return cond;
  if (mode === 'or') {
    const keys = Object.keys(current);
    if (keys.length === 1 && Array.isArray(current.or)) return { or: current.or.concat([cond]) };
    return { or: [current, cond] };
  }
  if (!(path in current)) return { ...current, ...cond };
  const existing = current[path];
  const opsOnly = isPlainObject(existing) && Object.keys(existing).every((k) => OPS.includes(k));
  if (opsOnly && !(op in existing)) return { ...current, [path]: { ...existing, [op]: value } };
  if (Array.isArray(current.and) && Object.keys(current).length === 1) return { and: current.and.concat([cond]) };
  return { and: [current, cond] };
}

export function filterEditor(ctx, filterText, apply) {
  const groups = filterPaths(ctx.meta);
  const all = groups.flatMap((g) => g.items);
  const ids = { col: nextId('fcol'), op: nextId('fop'), val: nextId('fval'), mode: nextId('fmode'), json: nextId('fjson'), hint: nextId('fhint'), err: nextId('ferr') };

  let pretty = '';
  if (filterText) {
    try { pretty = prettyJson(parseJson(filterText)); } catch (e) { pretty = filterText; }
  }
  const textarea = h('textarea', { id: ids.json, rows: String(Math.min(12, Math.max(3, pretty.split('\n').length))),
    spellcheck: 'false', autocomplete: 'off', 'aria-describedby': ids.err, class: 'code',
    placeholder: '{"name": {"in": ["ed", "wendy"]}}', value: pretty });
  const errBox = h('div', { id: ids.err, class: 'filter-errors' });
  const colSel = h('select', { id: ids.col }, groups.map((g) => h('optgroup', { label: g.label },
    g.items.map((it) => h('option', { value: it.path }, it.path + '  (' + it.col.type + ')')))));
  const opSel = h('select', { id: ids.op }, OPS.map((o) => h('option', { value: o }, o)));
  const valIn = h('input', { id: ids.val, type: 'text', autocomplete: 'off', 'aria-describedby': ids.hint });
  const hint = h('span', { id: ids.hint, class: 'hint' });
  const modeSel = h('select', { id: ids.mode }, h('option', { value: 'and' }, 'and'), h('option', { value: 'or' }, 'or'));
  const updateHint = () => {
    const it = all.find((x) => x.path === colSel.value);
    hint.textContent = OP_HINTS[opSel.value] || (it ? 'a value of type ' + it.col.type : '');
    valIn.placeholder = opSel.value === 'is_null' ? 'true' : '';
  };
  colSel.addEventListener('change', updateHint);
  opSel.addEventListener('change', updateHint);
  updateHint();

  const localError = (msg) => {
    clear(errBox);
    errBox.appendChild(h('p', { class: 'problem', role: 'alert' }, msg));
    textarea.setAttribute('aria-invalid', 'true');
  };

  const addBtn = h('button', { type: 'button', onclick: () => {
    const it = all.find((x) => x.path === colSel.value);
    if (!it) return;
    let current = {};
    const t = textarea.value.trim();
    if (t) {
      try { current = parseJson(t); } catch (e) { localError('The filter JSON does not parse: ' + e.message); textarea.focus(); return; }
    }
    let value;
    try { value = builderValue(opSel.value, valIn.value, it.col); } catch (e) { localError(e.message); valIn.focus(); return; }
    const next = addCondition(current, it.path, opSel.value, value, modeSel.value);
    textarea.value = prettyJson(next);
    textarea.rows = Math.min(12, Math.max(3, textarea.value.split('\n').length));
    clear(errBox);
    textarea.removeAttribute('aria-invalid');
    announce('Condition added to the filter. Apply to run it.');
  } }, 'Add to filter');

  const form = h('form', { class: 'filter', 'aria-label': 'Filter', onsubmit: (ev) => {
    ev.preventDefault();
    const t = textarea.value.trim();
    if (!t) { apply(null); return; }
    let parsed;
    try { parsed = parseJson(t); } catch (e) { localError('The filter JSON does not parse: ' + e.message); textarea.focus(); return; }
    apply(JSON.stringify(parsed));
  } },
  h('fieldset', { class: 'builder' },
    h('legend', null, 'Add a condition'),
    h('span', { class: 'field' }, h('label', { for: ids.col }, 'Column'), colSel),
    h('span', { class: 'field' }, h('label', { for: ids.op }, 'Operator'), opSel),
    h('span', { class: 'field grow' }, h('label', { for: ids.val }, 'Value'), valIn, hint),
    h('span', { class: 'field' }, h('label', { for: ids.mode }, 'Combine with'), modeSel),
    addBtn),
  h('label', { for: ids.json, class: 'block' }, 'Filter (JSON)'),
  textarea,
  errBox,
  h('div', { class: 'actions' },
    h('button', { type: 'submit', class: 'primary', 'data-fk': 'apply-filter' }, 'Apply filter'),
    h('button', { type: 'button', disabled: !filterText, onclick: () => apply(null) }, 'Clear filter')));

  valIn.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); addBtn.click(); } });

  const details = h('details', { class: 'filter-box', open: !!filterText },
    h('summary', null, 'Filter', filterText ? h('code', { class: 'summary-filter' }, ' ' + filterText) : null), form);

  return {
    el: details,
    showErrors(p, errs) {
      details.open = true;
      clear(errBox);
      errBox.appendChild(problemBox(p, errs, 'The server rejected this filter; pointers are into the filter JSON.'));
      textarea.setAttribute('aria-invalid', 'true');
    },
  };
}
