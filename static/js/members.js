/* members.js: the members of one row's many-to-many relationship, with
 * linking and unlinking of existing rows: POST /api/{res}/{id}/{rel} with
 * the target's key ({pk}) links, DELETE /api/{res}/{id}/{rel}/{child}
 * unlinks (SPEC §3). The section re-reads itself after each change. */
import { h, clear, nextId, announce } from './dom.js';
import { api, problemOf } from './http.js';
import { problemBox } from './problem.js';
import { apiToHash, enc } from './hash.js';
import { metaOfEntity, pkCols, rowLabel, keyLabel, labelColumn, pageLimit } from './schema.js';
import { numberFrom } from './json.js';

const SHOWN = 50;
const CANDIDATES = 100;

function keyPath(meta, row) {
  return pkCols(meta).map((c) => enc(typeof row[c.name] === 'string' ? row[c.name] : JSON.stringify(row[c.name]))).join(',');
}

/* The body that links the row of key text "k1,k2" (typed) or of a row. */
function linkBody(meta, row, typed) {
  const pks = pkCols(meta);
  const parts = typed !== null ? typed.split(',') : null;
  const body = {};
  pks.forEach((c, i) => {
    if (!parts) { body[c.name] = row[c.name]; return; }
    const t = (parts[i] || '').trim();
    body[c.name] = (c.type === 'integer' || c.type === 'bigint') && /^-?\d+$/.test(t) ? numberFrom(t) : t;
  });
  return JSON.stringify(body);
}

export function membersSection(owner, obj, rel) {
  const target = metaOfEntity(rel.target);
  const self = obj._links && typeof obj._links.self === 'string' ? obj._links.self : null;
  if (!target || !self || !pkCols(target).length) return null;
  const relPath = self + '/' + enc(rel.name);
  const headId = nextId('members');
  const list = h('ul', { class: 'members', 'aria-labelledby': headId });
  const errs = h('div', { class: 'action-errors' });
  const selId = nextId('link-sel');
  const keyId = nextId('link-key');
  const select = h('select', { id: selId, 'data-fk': 'link-select:' + rel.name });
  const keyIn = h('input', { id: keyId, type: 'text', autocomplete: 'off', placeholder: pkCols(target).map((c) => c.name).join(','), size: '10' });
  let candidates = [];

  const fail = (r, lead) => { clear(errs); errs.appendChild(problemBox(problemOf(r), undefined, lead)); };

  async function refresh() {
    const lc = labelColumn(target);
    const fields = lc ? '&fields=' + enc(lc.name) : '';
    const [cur, all] = await Promise.all([
      api('GET', relPath + '?limit=' + pageLimit(target, SHOWN) + '&count=exact' + fields),
      api('GET', target.href + '?limit=' + pageLimit(target, CANDIDATES) + fields)]);
    clear(list);
    if (!cur.ok || !cur.data || !Array.isArray(cur.data.data)) { fail(cur, 'The members could not be read.'); return; }
    const rows = cur.data.data;
    if (!rows.length) list.appendChild(h('li', { class: 'muted' }, 'none'));
    for (const row of rows) {
      const label = rowLabel(target, row);
      const href = row._links && typeof row._links.self === 'string' ? apiToHash(row._links.self) : null;
      list.appendChild(h('li', null, href ? h('a', { href }, label) : label,
        h('span', { class: 'muted small' }, ' ', keyLabel(target, row), ' '),
        h('button', { type: 'button', class: 'link danger-text', 'aria-label': 'Unlink ' + label + ' from ' + rel.name,
          'data-fk': 'unlink:' + rel.name + ':' + keyLabel(target, row), onclick: () => unlink(row, label) }, 'Unlink')));
    }
    const total = cur.data.meta && Number.isInteger(cur.data.meta.total) ? cur.data.meta.total : rows.length;
    if (total > rows.length) list.appendChild(h('li', { class: 'muted small' }, (total - rows.length) + ' more: ', h('a', { href: apiToHash(relPath) }, 'see all')));
    const have = new Set(rows.map((r) => keyLabel(target, r)));
    candidates = all.ok && all.data && Array.isArray(all.data.data) ? all.data.data.filter((r) => !have.has(keyLabel(target, r))) : [];
    clear(select);
    select.appendChild(h('option', { value: '' }, candidates.length ? '— choose a ' + rel.target + ' —' : '— none to link —'));
    candidates.forEach((r, i) => select.appendChild(h('option', { value: String(i) }, rowLabel(target, r) + ' (' + keyLabel(target, r) + ')')));
  }

  async function unlink(row, label) {
    clear(errs);
    const r = await api('DELETE', relPath + '/' + keyPath(target, row));
    if (!r.ok && r.status !== 204) { fail(r, 'Unlinking ' + label + ' failed.'); return; }
    announce('Unlinked ' + label + ' from ' + rel.name);
    await refresh();
  }

  async function link() {
    clear(errs);
    const typed = keyIn.value.trim();
    const row = select.value !== '' ? candidates[Number(select.value)] : null;
    if (!row && !typed) { errs.appendChild(h('p', { class: 'problem', role: 'alert' }, 'Choose a row or type its key.')); return; }
    const r = await api('POST', relPath, { body: linkBody(target, row, typed ? typed : null) });
    if (!r.ok) { fail(r, 'Linking failed.'); return; }
    keyIn.value = '';
    announce('Linked to ' + rel.name);
    await refresh();
  }

  const section = h('section', { class: 'members-box', 'aria-labelledby': headId, 'data-rel': rel.name },
    h('h2', { id: headId }, rel.name, h('span', { class: 'muted small' }, ' many-to-many → ', rel.target)),
    list, errs,
    h('div', { class: 'link-row' },
      h('label', { for: selId }, 'Link a ' + rel.target + ' to ' + rel.name), select,
      h('label', { for: keyId }, 'or its key'), keyIn,
      h('button', { type: 'button', 'data-fk': 'link:' + rel.name, 'aria-label': 'Link to ' + rel.name, onclick: link }, 'Link')));
  refresh();
  return section;
}
