/* schema.js: what the page knows of the resources. GET /api gives names,
 * columns (type, nullable, key, read-only, write-only), page sizes and
 * relationships (a many-to-one with its foreign-key columns);
 * /openapi.json adds what /api does not say: a column's choices (enum),
 * whether it has a default and whether a create requires it. The document
 * is read tolerantly: the POST request schema when there is one (a $ref, or
 * the object branch of a oneOf/anyOf), else the entity's component schema;
 * without a document the page works from /api alone. */
import { api } from './http.js';

export const state = { resources: [], byName: new Map(), byEntity: new Map(), openapi: null };

const NUMERIC_TYPES = new Set(['integer', 'bigint', 'float', 'numeric']);
const LABEL_NAMES = ['name', 'title', 'label', 'display_name', 'full_name', 'fullname', 'username', 'headline',
  'subject', 'keyword', 'code', 'slug', 'email', 'email_address'];

function deref(doc, s, depth = 0) {
  if (!s || typeof s !== 'object' || depth > 8) return null;
  if (typeof s.$ref === 'string' && s.$ref.startsWith('#/')) {
    let node = doc;
    for (const tok of s.$ref.slice(2).split('/')) node = node && typeof node === 'object' ? node[tok.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    return deref(doc, node, depth + 1);
  }
  for (const k of ['oneOf', 'anyOf', 'allOf']) {
    if (Array.isArray(s[k])) {
      for (const alt of s[k]) {
        const r = deref(doc, alt, depth + 1);
        if (r && r.properties) return r;
      }
    }
  }
  return s;
}

/* The object schema a POST of resource r sends, or its component schema. */
function writeSchema(doc, r) {
  const path = doc.paths && doc.paths[r.href || '/api/' + r.name];
  const body = path && path.post && path.post.requestBody;
  const media = body && body.content && body.content['application/json'];
  const s = media ? deref(doc, media.schema) : null;
  if (s && s.properties) return s;
  const comps = (doc.components && doc.components.schemas) || {};
  return deref(doc, comps[r.entity]) || null;
}
function readSchema(doc, r) {
  const comps = (doc.components && doc.components.schemas) || {};
  return deref(doc, comps[r.entity]) || null;
}

function enrich(doc, r) {
  const ws = writeSchema(doc, r);
  const rs = readSchema(doc, r);
  const required = new Set(ws && Array.isArray(ws.required) ? ws.required : []);
  for (const c of r.columns) {
    const p = (ws && ws.properties && deref(doc, ws.properties[c.name])) || (rs && rs.properties && deref(doc, rs.properties[c.name])) || {};
    const q = (rs && rs.properties && deref(doc, rs.properties[c.name])) || {};
    const en = Array.isArray(p.enum) ? p.enum : Array.isArray(q.enum) ? q.enum : null;
    if (en && !Array.isArray(c.choices)) c.choices = en.filter((v) => v !== null);
    if (c.hasDefault === undefined) c.hasDefault = 'default' in p || 'default' in q;
    if ('default' in p) c.default = p.default; else if ('default' in q) c.default = q.default;
    if (ws && Array.isArray(ws.required)) c.required = required.has(c.name);
    for (const k of ['maxLength', 'minimum', 'maximum']) if (typeof p[k] === 'number') c[k] = p[k];
  }
}

/* GET /api (required) and /openapi.json (optional). Returns null or the failed answer. */
export async function loadSchema() {
  const [resp, doc] = await Promise.all([api('GET', '/api'), api('GET', '/openapi.json')]);
  if (!resp.ok || !resp.data || !Array.isArray(resp.data.resources)) return resp;
  state.resources = resp.data.resources.filter((r) => r && typeof r.name === 'string' && Array.isArray(r.columns));
  state.openapi = doc.ok && doc.data && typeof doc.data === 'object' ? doc.data : null;
  for (const r of state.resources) {
    if (!Array.isArray(r.relationships)) r.relationships = [];
    state.byName.set(r.name, r);
    if (r.entity) state.byEntity.set(r.entity, r);
    if (state.openapi) {
      try { enrich(state.openapi, r); } catch (e) { /* a document the page does not understand: /api alone */ }
    }
  }
  return null;
}

/* A page of at most n rows that meta's lists allow (its max_page_size). */
export function pageLimit(meta, n) {
  const max = meta && Number.isInteger(meta.max_page_size) && meta.max_page_size > 0 ? meta.max_page_size : n;
  return Math.min(n, max);
}

export function readable(meta) { return meta.columns.filter((c) => !c.write_only); }
export function pkCols(meta) { return meta ? meta.columns.filter((c) => c.primary_key) : []; }
export function relOf(meta, name) { return (meta.relationships || []).find((r) => r.name === name) || null; }
export function metaOfEntity(entity) { return state.byEntity.get(entity) || null; }
export function isNum(col) { return NUMERIC_TYPES.has(col.type); }

export function typeLabel(col) {
  const bits = [col.type];
  if (col.primary_key) bits.push('key');
  if (!col.nullable && !col.primary_key) bits.push('not null');
  if (col.read_only) bits.push('read-only');
  if (col.write_only) bits.push('write-only');
  return bits.join(', ');
}

/* Required on create: said by the document, else not null, no key, not read-only, no default. */
export function isRequired(col) {
  if (col.read_only || col.write_only && col.nullable) return false;
  if (typeof col.required === 'boolean') return col.required;
  return !col.nullable && !col.primary_key && !col.hasDefault;
}

export function keyLabel(meta, obj) {
  const pks = pkCols(meta);
  if (!obj || !pks.length) return '';
  return pks.map((c) => {
    const v = obj[c.name];
    return v === undefined ? '?' : typeof v === 'string' ? v : JSON.stringify(v);
  }).join(',');
}

/* The column that names a row: a "name"/"title"-like string column, else none (the key). */
export function labelColumn(meta) {
  if (!meta) return null;
  const strs = readable(meta).filter((c) => !c.primary_key && (c.type === 'string' || c.type === 'text'));
  for (const n of LABEL_NAMES) {
    const c = strs.find((x) => x.name === n);
    if (c) return c;
  }
  return strs.find((c) => /name|title/.test(c.name)) || null;
}

/* A row's label: its label column's value, else its key. */
export function rowLabel(meta, obj) {
  const c = labelColumn(meta);
  const v = c && obj ? obj[c.name] : null;
  return typeof v === 'string' && v !== '' ? v : keyLabel(meta, obj);
}

/* The foreign-key column of a many-to-one relationship: the one column
 * GET /api names in its "columns" (a composite foreign key has no single
 * column to show its target at: null). */
export function fkColumn(meta, rel) {
  if (!rel || rel.direction !== 'many_to_one' || !Array.isArray(rel.columns) || rel.columns.length !== 1) return null;
  return meta.columns.find((c) => c.name === rel.columns[0]) || null;
}
