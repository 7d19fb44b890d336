/* form.js: create (POST) and edit (PATCH with If-Match) forms. The
 * server's field errors are shown next to their fields: a pointer's first
 * token names a column (or a many-to-one relationship, shown at its foreign
 * key), deeper pointers (a json column's inside, a nested object) are shown
 * at that field with the rest of the path; errors without a field go to the
 * general box. A 409 without a pointer that the server says is a
 * foreign-key break is shown at the foreign keys the request sent. */
import { h, clear, announce, nextId } from './dom.js';
import { api, problemOf } from './http.js';
import { problemBox } from './problem.js';
import { apiToHash, hashOf, go } from './hash.js';
import { keyLabel, fkColumn, metaOfEntity, labelColumn, rowLabel, pkCols, pageLimit } from './schema.js';
import { makeField, collect, setFieldError, clearFieldErrors } from './fields.js';
import { breadcrumbs } from './crumbs.js';

function unescapePointer(tok) { return tok.replace(/~1/g, '/').replace(/~0/g, '~'); }

/* The field a pointer names, and the rest of the pointer below it. */
export function fieldOf(meta, fields, pointer) {
  if (typeof pointer !== 'string' || !pointer.startsWith('/')) return null;
  const toks = pointer.split('/').slice(1).map(unescapePointer);
  let f = fields.find((x) => x.col.name === toks[0]);
  if (!f) {
    const rel = (meta.relationships || []).find((r) => r.name === toks[0]);
    const col = rel ? fkColumn(meta, rel) : null;
    f = col ? fields.find((x) => x.col === col) : null;
  }
  return f ? { f, rest: toks.length > 1 ? '/' + toks.slice(1).join('/') : '' } : null;
}

/* Put p's errors next to their fields; the others are returned. */
function showErrors(meta, fields, p, sent) {
  const unmatched = [];
  for (const e of p.errors) {
    const at = fieldOf(meta, fields, e.pointer);
    const msg = String(e.message || 'invalid');
    if (at) setFieldError(at.f, at.rest ? at.rest + ': ' + msg : msg); else unmatched.push(e);
  }
  if (p.status === 409 && !p.errors.length && /foreign.key/i.test(p.detail)) {
    const fks = (meta.relationships || []).map((r) => fkColumn(meta, r)).filter((c) => c && sent.includes(c.name));
    for (const c of fks) setFieldError(fields.find((x) => x.col === c), p.detail);
  }
  return unmatched;
}

/* Foreign-key inputs suggest the target's rows (up to 100) by label: a
 * datalist whose values are keys. Filled after the form is shown. */
function suggestTargets(meta, fields) {
  for (const rel of meta.relationships || []) {
    const col = fkColumn(meta, rel);
    const f = col ? fields.find((x) => x.col === col && !x.locked && x.input.tagName === 'INPUT') : null;
    const target = metaOfEntity(rel.target);
    if (!f || !target || pkCols(target).length !== 1) continue;
    const lc = labelColumn(target);
    const list = h('datalist', { id: nextId('dl') });
    f.input.setAttribute('list', list.id);
    f.wrap.appendChild(list);
    api('GET', target.href + '?limit=' + pageLimit(target, 100) + (lc ? '&fields=' + encodeURIComponent(lc.name) : '')).then((r) => {
      if (!r.ok || !r.data || !Array.isArray(r.data.data)) return;
      for (const row of r.data.data) list.appendChild(h('option', { value: keyLabel(target, row) }, rowLabel(target, row)));
    });
  }
}

export async function formView(ctx, mode) {
  const { view, meta } = ctx;
  view.appendChild(breadcrumbs(ctx.crumbs));
  let obj = null;
  let etag = null;
  if (mode === 'edit') {
    const resp = await api('GET', ctx.apiPath);
    if (!ctx.alive()) return;
    if (!resp.ok || !resp.data || typeof resp.data !== 'object') {
      view.appendChild(h('h1', null, 'Could not load'));
      view.appendChild(problemBox(problemOf(resp)));
      ctx.show();
      return;
    }
    obj = resp.data;
    etag = resp.etag;
  }
  const label = mode === 'edit' ? 'Edit ' + meta.name + ' ' + keyLabel(meta, obj) : ctx.title;
  const selfLink = obj && obj._links && typeof obj._links.self === 'string' ? obj._links.self : ctx.apiPath;
  view.appendChild(h('h1', null, label));
  if (mode === 'create' && ctx.rel) {
    view.appendChild(h('p', { class: 'muted' }, 'Creates a ', ctx.rel.target, ' and adds it to ',
      h('code', null, ctx.rel.name), ' of ', ctx.owner.name, ' ', ctx.crumbs[1][0], ' (', h('code', null, 'POST ' + ctx.postPath), ').'));
  }

  const fields = meta.columns.map((c) => makeField(c, obj, mode));
  const general = h('div', { class: 'form-problem', id: 'form-problem' });
  const submit = h('button', { type: 'submit', class: 'primary' }, mode === 'edit' ? 'Save changes' : 'Create');
  const cancelHref = mode === 'edit' ? apiToHash(selfLink) : hashOf(ctx.postPath.slice(4));
  const form = h('form', { class: 'object-form', novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    clearFieldErrors(fields);
    clear(general);
    const { body, names, errors } = collect(fields, mode);
    if (errors.length) {
      for (const [f, msg] of errors) setFieldError(f, msg);
      errors[0][0].input.focus();
      return;
    }
    if (mode === 'edit' && !names.length) {
      general.appendChild(h('p', { class: 'note', role: 'status' }, 'Nothing changed.'));
      return;
    }
    submit.disabled = true;
    const r = mode === 'edit'
      ? await api('PATCH', selfLink, { body, headers: etag ? { 'If-Match': etag } : {} })
      : await api('POST', ctx.postPath, { body });
    submit.disabled = false;
    if (r.ok) {
      const link = (r.data && r.data._links && r.data._links.self) || r.location;
      announce(mode === 'edit' ? 'Saved' : 'Created');
      go(apiToHash(link) || cancelHref);
      return;
    }
    const p = problemOf(r);
    const unmatched = showErrors(meta, fields, p, names);
    const first = fields.find((x) => x.wrap.classList.contains('invalid'));
    let lead = null;
    if (r.status === 412) lead = 'The object changed since this form was loaded. Reload to edit the current version.';
    else if (first && !unmatched.length) lead = 'See the messages next to the fields.';
    general.appendChild(problemBox(p, unmatched, lead));
    if (r.status === 412) general.appendChild(h('p', null, h('button', { type: 'button', onclick: () => go(location.hash) }, 'Reload the current version')));
    if (first) first.input.focus(); else general.focus();
    announce(p.title);
  } },
  h('p', { class: 'muted small' }, 'Fields marked * are required. ',
    mode === 'edit' ? 'Only changed fields are sent (PATCH); a field emptied is sent as null.'
      : 'Empty fields are left out, so the server default applies.'),
  general,
  fields.map((f) => f.wrap),
  h('div', { class: 'actions' }, submit, cancelHref ? h('a', { class: 'button', href: cancelHref }, 'Cancel') : null));
  general.setAttribute('tabindex', '-1');
  view.appendChild(form);
  suggestTargets(meta, fields);
  ctx.show();
}
