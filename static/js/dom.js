/* dom.js: building DOM nodes. Every value from the server goes into the
 * page through text nodes or attributes, never innerHTML. */
import { isRaw } from './json.js';

let uid = 0;
const statusEl = () => document.getElementById('status');

export function append(el, kids) {
  for (const k of kids) {
    if (k === null || k === undefined || k === false) continue;
    if (Array.isArray(k)) append(el, k);
    else if (k instanceof Node) el.appendChild(k);
    else el.appendChild(document.createTextNode(String(k)));
  }
}

/* h('a', {href: '#/x', class: 'y', onclick: fn}, 'text', child...) */
export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  let value;
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = v;
      else if (k === 'value') value = v;
      else if (k === 'checked') el.checked = !!v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, kids);
  if (value !== undefined) el.value = value;
  return el;
}

export function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }
export function nextId(prefix) { uid += 1; return prefix + '-' + uid; }
export function announce(text) {
  const s = statusEl();
  if (!s) return;
  s.textContent = '';
  setTimeout(() => { s.textContent = text; }, 30);
}

/* A value as a short node: null, booleans, numbers and JSON marked. */
export function valueNode(v, max) {
  if (v === null) return h('span', { class: 'null' }, 'null');
  if (v === undefined) return h('span', { class: 'muted' }, '—');
  if (typeof v === 'boolean') return h('span', { class: 'bool' }, String(v));
  if (typeof v === 'number' || isRaw(v)) return h('span', { class: 'num' }, JSON.stringify(v));
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  if (max && s.length > max) return h('span', { title: s }, s.slice(0, max - 1) + '…');
  return h('span', { class: typeof v === 'string' ? null : 'json' }, s);
}

/* A file the browser saves: parts (strings) joined in a Blob. */
export function download(name, type, parts) {
  const url = URL.createObjectURL(new Blob(parts, { type }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
