/* hash.js: the page's address. The part after "#" mirrors the API path
 * without "/api" (see main.js); query pairs are kept in order. */

export const enc = encodeURIComponent;
export function dec(s) { try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch (e) { return s; } }

export function parseQuery(q) {
  const out = [];
  if (!q) return out;
  for (const part of q.split('&')) {
    if (!part) continue;
    const i = part.indexOf('=');
    out.push(i < 0 ? [dec(part), ''] : [dec(part.slice(0, i)), dec(part.slice(i + 1))]);
  }
  return out;
}
export function buildQuery(pairs) { return pairs.map(([k, v]) => enc(k) + '=' + enc(v)).join('&'); }
export function getParam(pairs, key) { const p = pairs.find(([k]) => k === key); return p ? p[1] : null; }
/* Parameters whose empty value means something: include= embeds nothing. */
const EMPTY_MEANS = new Set(['include']);
/* pairs with the keys of changes replaced (null removes them; '' too,
 * except for a parameter in EMPTY_MEANS) */
export function withParams(pairs, changes) {
  const out = pairs.filter(([k]) => !(k in changes));
  for (const [k, v] of Object.entries(changes))
    if (v !== null && v !== undefined && (v !== '' || EMPTY_MEANS.has(k))) out.push([k, String(v)]);
  return out;
}
export function hashOf(path, pairs) { return '#' + path + (pairs && pairs.length ? '?' + buildQuery(pairs) : ''); }

/* "/api/users/5?x=1" -> "#/users/5?x=1" (count is dropped: lists always ask for it) */
export function apiToHash(link) {
  if (typeof link !== 'string' || !link.startsWith('/api/')) return null;
  const q = link.indexOf('?');
  const path = q < 0 ? link.slice(4) : link.slice(4, q);
  const pairs = q < 0 ? [] : parseQuery(link.slice(q + 1)).filter(([k]) => k !== 'count');
  return hashOf(path, pairs);
}

/* Show hash (the same hash again re-renders it). */
export function go(hash) {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}
