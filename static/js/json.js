/* json.js: JSON in and out without losing digits. Integers beyond 2^53
 * (bigint columns) keep their digits where the browser can say so
 * (JSON.rawJSON and the reviver's source text); elsewhere they are rounded
 * like any JavaScript number. Also the compact pretty-printer of the page. */

const LOSSLESS = typeof JSON.rawJSON === 'function' && typeof JSON.isRawJSON === 'function';

export const isRaw = (v) => LOSSLESS && v !== null && typeof v === 'object' && JSON.isRawJSON(v);

export function parseJson(text) {
  if (!LOSSLESS) return JSON.parse(text);
  return JSON.parse(text, (k, v, c) => (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)
    && c && typeof c.source === 'string' && /^-?\d+$/.test(c.source) ? JSON.rawJSON(c.source) : v));
}

export function numberFrom(t) {
  return LOSSLESS && /^-?\d+$/.test(t) && !Number.isSafeInteger(Number(t)) ? JSON.rawJSON(t) : Number(t);
}

export function isPlainObject(v) { return v !== null && typeof v === 'object' && !Array.isArray(v) && !isRaw(v); }

export function inlineJson(v) {
  if (v === null || typeof v !== 'object' || isRaw(v)) return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(inlineJson).join(', ') + ']';
  return '{' + Object.keys(v).map((k) => JSON.stringify(k) + ': ' + inlineJson(v[k])).join(', ') + '}';
}

/* JSON.stringify(v, null, 2), but short arrays and objects stay on one line */
export function prettyJson(v, indent = '') {
  const flat = inlineJson(v);
  if (v === null || typeof v !== 'object' || isRaw(v) || flat.length + indent.length <= 64) return flat;
  const inner = indent + '  ';
  if (Array.isArray(v)) return '[\n' + v.map((x) => inner + prettyJson(x, inner)).join(',\n') + '\n' + indent + ']';
  return '{\n' + Object.keys(v).map((k) => inner + JSON.stringify(k) + ': ' + prettyJson(v[k], inner)).join(',\n') + '\n' + indent + '}';
}
