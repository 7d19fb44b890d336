/* problem.js: a problem+json answer as a box (title, detail, the errors it
 * is given with their pointers, the request id). */
import { h } from './dom.js';

/* `errors` defaults to all of the problem's errors. */
export function problemBox(p, errors, lead) {
  const list = errors === undefined ? p.errors : errors;
  return h('div', { class: 'problem', role: 'alert' },
    h('p', { class: 'problem-title' }, h('strong', null, String(p.status || ''), ' ', p.title),
      p.detail ? ' — ' + p.detail : ''),
    lead ? h('p', null, lead) : null,
    list.length ? h('ul', null, list.map((e) => h('li', null,
      e.pointer !== undefined ? h('code', { class: 'pointer' }, String(e.pointer)) : null,
      e.pointer !== undefined ? ' ' : '', String(e.message !== undefined ? e.message : '')))) : null,
    p.requestId ? h('p', { class: 'muted small' }, 'request id ', h('code', null, String(p.requestId))) : null);
}
