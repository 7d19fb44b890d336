/* listcontrols.js: the controls above a list that shape what it asks:
 * a column chooser (?fields=) and an include control (?include=), each a
 * disclosure of checkboxes with an Apply button; and the export buttons. */
import { h, nextId, announce } from './dom.js';
import { readable } from './schema.js';
import { exportAll } from './export.js';

/* Relationships a list may embed: not dynamic or noload (400 to include). */
export function includable(meta) {
  return (meta.relationships || []).filter((r) => r.lazy !== 'dynamic' && r.lazy !== 'noload');
}

function checks(legend, items, checked, name) {
  return h('fieldset', { class: 'checks' }, h('legend', { class: 'visually-hidden' }, legend),
    items.map((it) => {
      const id = nextId(name);
      return h('span', { class: 'check' }, h('input', { type: 'checkbox', id, value: it, checked: checked.has(it), 'data-name': it }),
        h('label', { for: id }, it));
    }));
}
const ticked = (box) => [...box.querySelectorAll('input[type=checkbox]')].filter((i) => i.checked).map((i) => i.value);

/* The column chooser: fields = the ticked columns (the key is always sent
 * back by the server); all ticked means no fields parameter. */
export function columnChooser(meta, fieldsParam, apply) {
  const cols = readable(meta).filter((c) => !c.primary_key).map((c) => c.name);
  const chosen = new Set(fieldsParam ? fieldsParam.split(',') : cols);
  const box = checks('Columns to show', cols, chosen, 'col');
  return h('details', { class: 'chooser', id: 'columns-box' },
    h('summary', null, 'Columns', fieldsParam ? h('span', { class: 'muted small' }, ' (' + chosen.size + ' of ' + cols.length + ')') : null),
    box,
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', 'data-fk': 'apply-fields', onclick: () => {
        const t = ticked(box);
        apply(t.length === cols.length ? null : t.join(','));
      } }, 'Apply columns'),
      h('button', { type: 'button', disabled: !fieldsParam, onclick: () => apply(null) }, 'All columns')));
}

/* The include control: include = the ticked relationships (dotted paths
 * typed in the text box are kept); nothing ticked is include= (embed
 * nothing). Without an include parameter (includeParam null) the
 * relationships the page embeds by default (defaults) are ticked. */
export function includeControl(meta, includeParam, defaults, apply) {
  const rels = includable(meta).map((r) => r.name);
  const given = includeParam !== null ? includeParam.split(',').filter(Boolean) : defaults;
  const box = checks('Relationships to embed', rels, new Set(given), 'inc');
  const moreId = nextId('inc-more');
  const more = h('input', { type: 'text', id: moreId, value: given.filter((g) => !rels.includes(g)).join(','),
    placeholder: 'e.g. author.addresses', autocomplete: 'off' });
  return h('details', { class: 'chooser', id: 'include-box' },
    h('summary', null, 'Include', includeParam !== null
      ? h('code', { class: 'small' }, ' ' + (includeParam || '(nothing)')) : null),
    box,
    h('span', { class: 'field' }, h('label', { for: moreId }, 'Nested paths'), more),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', 'data-fk': 'apply-include', onclick: () => {
        const list = ticked(box).concat(more.value.split(',').map((s) => s.trim()).filter(Boolean));
        apply([...new Set(list)].join(','));
      } }, 'Apply include'),
      h('button', { type: 'button', disabled: includeParam === null, onclick: () => apply(null) }, 'Default include')));
}

/* Export JSON / Export CSV of every page of the list as it is filtered. */
export function exportControl(ctx, params, columns) {
  const status = h('span', { class: 'muted small', role: 'status', id: 'export-status' });
  let running = false;
  let stop = false;
  const cancel = h('button', { type: 'button', hidden: true, onclick: () => { stop = true; } }, 'Cancel export');
  const run = async (format) => {
    if (running) return;
    running = true;
    stop = false;
    cancel.hidden = false;
    status.textContent = 'Exporting…';
    const r = await exportAll({ apiPath: ctx.apiPath, params, columns, format, meta: ctx.meta,
      progress: (n) => { status.textContent = 'Exporting… ' + n + ' rows'; }, cancelled: () => stop });
    running = false;
    cancel.hidden = true;
    status.textContent = r.problem ? 'Export failed: ' + r.problem.status + ' ' + r.problem.title + (r.problem.detail ? ' — ' + r.problem.detail : '')
      : r.cancelled ? 'Export cancelled after ' + r.rows + ' rows' : 'Exported ' + r.rows + ' rows as ' + format.toUpperCase();
    announce(status.textContent);
  };
  return h('div', { class: 'export', role: 'group', 'aria-label': 'Export' },
    h('button', { type: 'button', 'data-fk': 'export-json', onclick: () => run('json') }, 'Export JSON'),
    h('button', { type: 'button', 'data-fk': 'export-csv', onclick: () => run('csv') }, 'Export CSV'),
    cancel, status);
}
