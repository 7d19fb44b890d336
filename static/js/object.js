/* object.js: one object: its fields (foreign keys as their target's label
 * with a link), its relationships, the members of its many-to-many
 * relationships (link and unlink), its JSON, and Edit and Delete. */
import { h, clear, nextId, announce, valueNode } from './dom.js';
import { prettyJson } from './json.js';
import { api, problemOf } from './http.js';
import { problemBox } from './problem.js';
import { apiToHash, hashOf, enc, go } from './hash.js';
import { readable, typeLabel, keyLabel, metaOfEntity, rowLabel, fkColumn } from './schema.js';
import { relLink } from './rels.js';
import { membersSection } from './members.js';
import { breadcrumbs } from './crumbs.js';

/* The target rows of the many-to-one relationships the object does not
 * embed, read by their links (one request each, in parallel). */
async function loadTargets(meta, obj) {
  const out = new Map();
  const wanted = (meta.relationships || []).filter((r) => r.direction === 'many_to_one' && fkColumn(meta, r));
  await Promise.all(wanted.map(async (rel) => {
    const col = fkColumn(meta, rel);
    if (obj[col.name] === null || obj[col.name] === undefined) return;
    if (obj[rel.name] && typeof obj[rel.name] === 'object') { out.set(col.name, { rel, row: obj[rel.name] }); return; }
    const link = obj._links && typeof obj._links[rel.name] === 'string' ? obj._links[rel.name] : null;
    if (!link) return;
    const r = await api('GET', link);
    if (r.ok && r.data && typeof r.data === 'object') out.set(col.name, { rel, row: r.data });
  }));
  return out;
}

function fieldValue(c, obj, targets) {
  const t = targets.get(c.name);
  if (!t) return valueNode(obj[c.name]);
  const tm = metaOfEntity(t.rel.target);
  const href = t.row._links && typeof t.row._links.self === 'string' ? apiToHash(t.row._links.self) : null;
  const label = rowLabel(tm, t.row);
  return h('span', null, href ? h('a', { href, class: 'fk' }, label) : label,
    h('span', { class: 'muted small' }, ' (', t.rel.target, ' ', keyLabel(tm, t.row), ')'));
}

export async function objectView(ctx) {
  const { view, meta } = ctx;
  view.appendChild(breadcrumbs(ctx.crumbs));
  const resp = await api('GET', ctx.apiPath);
  if (!ctx.alive()) return;
  if (!resp.ok) {
    view.appendChild(h('h1', null, resp.status === 404 ? 'Not found' : 'Could not load'));
    view.appendChild(problemBox(problemOf(resp)));
    ctx.show();
    return;
  }
  const obj = resp.data;
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    view.appendChild(h('h1', null, ctx.rel ? ctx.rel.name : 'Object'));
    view.appendChild(h('p', { class: 'empty' }, obj === null ? 'No related ' + (ctx.rel ? ctx.rel.target : 'object') + ' (null).' : 'Not an object.'));
    view.appendChild(h('pre', { class: 'json' }, JSON.stringify(obj, null, 2)));
    ctx.show();
    return;
  }
  const targets = await loadTargets(meta, obj);
  if (!ctx.alive()) return;
  const selfLink = obj._links && typeof obj._links.self === 'string' ? obj._links.self : ctx.apiPath;
  const selfHash = apiToHash(selfLink);
  const label = meta.name + ' ' + keyLabel(meta, obj);

  const errArea = h('div', { class: 'action-errors' });
  const del = async () => {
    if (!window.confirm('Delete ' + label + '? Cascades of the schema apply.')) return;
    const headers = resp.etag ? { 'If-Match': resp.etag } : {};
    const r = await api('DELETE', selfLink, { headers });
    if (r.status === 204 || r.ok) {
      announce('Deleted ' + label);
      go(hashOf('/' + enc(meta.name)));
      return;
    }
    clear(errArea);
    errArea.appendChild(problemBox(problemOf(r), undefined,
      r.status === 412 ? 'The object changed since it was loaded; reload and try again.' : null));
  };

  view.appendChild(h('div', { class: 'title-row' },
    h('h1', null, ctx.rel ? ctx.rel.name + ' → ' : '', label),
    h('span', { class: 'buttons' },
      selfHash ? h('a', { class: 'button primary', href: selfHash.replace(/\?.*$/, '') + '/~edit' }, 'Edit') : null,
      h('button', { type: 'button', class: 'danger', onclick: del }, 'Delete'))));
  if (ctx.rel && selfHash) {
    view.appendChild(h('p', { class: 'muted' }, 'The ', h('code', null, ctx.rel.name), ' of ',
      ctx.owner.name, ' ', ctx.crumbs[1][0], ' is ', h('a', { href: selfHash }, selfLink), '.'));
  }
  view.appendChild(errArea);

  const fieldsId = nextId('fields');
  view.appendChild(h('section', { 'aria-labelledby': fieldsId },
    h('h2', { id: fieldsId }, 'Fields'),
    h('dl', { class: 'fields' }, readable(meta).map((c) => [
      h('dt', null, c.name, h('span', { class: 'col-type' }, typeLabel(c))),
      h('dd', null, fieldValue(c, obj, targets))]))));

  const rels = meta.relationships || [];
  const extra = obj._links ? Object.keys(obj._links).filter((k) => k !== 'self' && !rels.some((r) => r.name === k)) : [];
  if (rels.length || extra.length) {
    const relId = nextId('rels');
    view.appendChild(h('section', { 'aria-labelledby': relId },
      h('h2', { id: relId }, 'Related'),
      h('ul', { class: 'rel-list' },
        rels.map((rel) => {
          const l = relLink(obj, rel);
          return h('li', null, l.href ? h('a', { href: l.href }, l.label) : h('span', null, l.label),
            h('span', { class: 'muted small' }, ' ', String(rel.direction || ''), ' → ', String(rel.target),
              Object.prototype.hasOwnProperty.call(obj, rel.name) ? ', embedded' : ''));
        }),
        extra.map((k) => {
          const href = apiToHash(obj._links[k]);
          return h('li', null, href ? h('a', { href }, k) : k);
        }))));
  }
  for (const rel of rels.filter((r) => r.direction === 'many_to_many')) {
    const sec = membersSection(meta, obj, rel);
    if (sec) view.appendChild(sec);
  }

  const jsonId = nextId('json');
  view.appendChild(h('section', { 'aria-labelledby': jsonId },
    h('h2', { id: jsonId }, 'JSON'),
    h('p', { class: 'muted small' }, 'GET ', h('code', null, ctx.apiPath),
      resp.etag ? [' · ETag ', h('code', null, resp.etag)] : null),
    h('pre', { class: 'json', tabindex: '0', 'aria-label': 'JSON of ' + label }, prettyJson(obj))));
  ctx.show();
  announce('Showing ' + label);
}
