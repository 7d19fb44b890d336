/* rels.js: how a row shows its relationships: a link to the related rows
 * (with their count when known), and a many-to-one as its target row's
 * label ("name"/"title"-like column, else the key) linked to that row. */
import { h, valueNode } from './dom.js';
import { apiToHash, enc } from './hash.js';
import { isPlainObject } from './json.js';
import { metaOfEntity, rowLabel, keyLabel, fkColumn } from './schema.js';

/* The link (hash) and label for relationship `rel` of object `obj`. */
export function relLink(obj, rel) {
  const links = obj && obj._links && typeof obj._links === 'object' ? obj._links : {};
  const self = typeof links.self === 'string' ? links.self : null;
  const target = metaOfEntity(rel.target);
  const counted = obj && isPlainObject(obj._count) && Number.isInteger(obj._count[rel.name]) ? obj._count[rel.name] : null;
  if (typeof links[rel.name] === 'string') {
    return { href: apiToHash(links[rel.name]), label: rel.name + (counted !== null ? ' (' + counted + ')' : '') };
  }
  const v = obj ? obj[rel.name] : undefined;
  if (counted !== null && self) {
    return { href: apiToHash(self + '/' + enc(rel.name)), label: rel.name + ' (' + counted + ')' };
  }
  if (Array.isArray(v)) {
    return { href: self ? apiToHash(self + '/' + enc(rel.name)) : null, label: rel.name + ' (' + v.length + ')' };
  }
  if (v && typeof v === 'object') {
    const sl = v._links && typeof v._links.self === 'string' ? v._links.self : (self ? self + '/' + enc(rel.name) : null);
    return { href: apiToHash(sl), label: rel.name + ': ' + rowLabel(target, v) };
  }
  if (v === null) return { href: null, label: rel.name + ': null' };
  return { href: self ? apiToHash(self + '/' + enc(rel.name)) : null, label: rel.name };
}

/* The many-to-one relationship whose foreign key is column col, with its
 * target row embedded in obj; or null. */
export function embeddedTarget(meta, obj, col) {
  for (const rel of meta.relationships || []) {
    if (rel.direction !== 'many_to_one' || fkColumn(meta, rel) !== col) continue;
    const v = obj ? obj[rel.name] : undefined;
    if (isPlainObject(v)) return { rel, target: metaOfEntity(rel.target), row: v };
  }
  return null;
}

/* A foreign-key value as its target's label linked to the target row
 * (the key in the title), or the plain value. */
export function fkCell(meta, obj, col, max) {
  const t = embeddedTarget(meta, obj, col);
  const v = obj ? obj[col.name] : undefined;
  if (!t || v === null || v === undefined) return valueNode(v, max);
  const href = t.row._links && typeof t.row._links.self === 'string' ? apiToHash(t.row._links.self) : null;
  const label = rowLabel(t.target, t.row);
  const title = t.rel.target + ' ' + keyLabel(t.target, t.row);
  return href ? h('a', { href, class: 'fk', title }, label) : h('span', { title }, label);
}
