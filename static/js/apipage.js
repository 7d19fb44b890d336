/* apipage.js: the API page, built from /openapi.json: the operations
 * grouped by resource (the operation's first tag, else the path's first
 * segment under /api), each with its parameters, a request body box when it
 * takes one, a try-it that sends the request (with the bearer token typed
 * at the top) and shows the answer's status, headers and body, and the
 * curl line of the request as filled in. Tolerant of the document: $refs
 * to components/parameters are followed, anything it does not know is shown
 * as it is. */
import { h, clear, nextId, announce } from './dom.js';
import { api, problemOf, getToken, setToken, noteRequest, authHeaders } from './http.js';
import { problemBox } from './problem.js';
import { prettyJson, parseJson } from './json.js';
import { breadcrumbs } from './crumbs.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'query', 'head', 'options'];

function ref(doc, node) {
  for (let i = 0; node && typeof node.$ref === 'string' && node.$ref.startsWith('#/') && i < 8; i++) {
    let n = doc;
    for (const tok of node.$ref.slice(2).split('/')) n = n && typeof n === 'object' ? n[tok.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    node = n;
  }
  return node && typeof node === 'object' ? node : null;
}

function groupOf(path, op) {
  if (op && Array.isArray(op.tags) && typeof op.tags[0] === 'string') return op.tags[0];
  const m = /^\/api\/([^/{]+)/.exec(path);
  return m ? m[1] : 'service';
}

/* Single-quoted for a POSIX shell. */
export function shq(s) { return "'" + String(s).replace(/'/g, "'\\''") + "'"; }

export function curlLine(method, url, token, body) {
  const bits = ['curl', '-i'];
  if (method !== 'GET') bits.push('-X', method);
  bits.push(shq(url));
  if (token) bits.push('-H', shq('Authorization: Bearer ' + token));
  if (body !== null) bits.push('-H', shq('Content-Type: application/json'), '--data-raw', shq(body));
  return bits.join(' ');
}

function operationsOf(doc) {
  const groups = new Map();
  for (const [path, item] of Object.entries(doc.paths || {})) {
    if (!item || typeof item !== 'object') continue;
    for (const m of METHODS) {
      const op = item[m];
      if (!op || typeof op !== 'object') continue;
      const g = groupOf(path, op);
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g).push({ path, method: m.toUpperCase(), op, shared: Array.isArray(item.parameters) ? item.parameters : [] });
    }
  }
  return groups;
}

function paramsOf(doc, o) {
  const out = [];
  const seen = new Set();
  for (const p0 of o.shared.concat(Array.isArray(o.op.parameters) ? o.op.parameters : [])) {
    const p = ref(doc, p0);
    if (!p || typeof p.name !== 'string') continue;
    const key = p.in + ':' + p.name;
    if (seen.has(key)) { out.splice(out.findIndex((x) => x.in + ':' + x.name === key), 1); }
    seen.add(key);
    out.push(p);
  }
  for (const m of o.path.matchAll(/\{([^}]+)\}/g)) {
    if (!seen.has('path:' + m[1])) out.unshift({ name: m[1], in: 'path', required: true });
  }
  return out;
}

function schemaHint(doc, s) {
  const r = ref(doc, s);
  if (!r) return '';
  if (Array.isArray(r.enum)) return r.enum.map((v) => JSON.stringify(v)).join(' | ');
  const t = Array.isArray(r.type) ? r.type.join('|') : r.type || '';
  return t + (r.format ? ' (' + r.format + ')' : '');
}

/* The body of one operation, built when it is first opened. */
function operationBody(doc, o) {
  const params = paramsOf(doc, o);
  const inputs = [];
  const rows = params.filter((p) => p.in === 'path' || p.in === 'query').map((p) => {
    const id = nextId('p');
    const input = h('input', { id, type: 'text', autocomplete: 'off', 'data-param': p.name, placeholder: schemaHint(doc, p.schema) });
    inputs.push({ p, input });
    return h('tr', null,
      h('th', { scope: 'row' }, h('label', { for: id }, p.name), p.required ? h('span', { class: 'req', title: 'required' }, ' *') : null),
      h('td', { class: 'muted small' }, p.in), h('td', null, input),
      h('td', { class: 'muted small' }, typeof p.description === 'string' ? p.description : schemaHint(doc, p.schema)));
  });
  const rb = ref(doc, o.op.requestBody);
  const bodyId = nextId('body');
  const bodyBox = rb || ['POST', 'PUT', 'PATCH', 'QUERY'].includes(o.method)
    ? h('textarea', { id: bodyId, rows: '6', class: 'code', spellcheck: 'false', value: '{}' }) : null;
  const curl = h('code', { class: 'curl' });
  const out = h('div', { class: 'try-out', 'aria-live': 'polite' });

  const urlOf = () => {
    let path = o.path;
    const q = [];
    for (const { p, input } of inputs) {
      const v = input.value;
      if (p.in === 'path') path = path.replace('{' + p.name + '}', encodeURIComponent(v));
      else if (v !== '') q.push(encodeURIComponent(p.name) + '=' + encodeURIComponent(v));
    }
    return path + (q.length ? '?' + q.join('&') : '');
  };
  const update = () => {
    curl.textContent = curlLine(o.method, location.origin + urlOf(), getToken(), bodyBox ? bodyBox.value : null);
  };
  for (const { input } of inputs) input.addEventListener('input', update);
  if (bodyBox) bodyBox.addEventListener('input', update);
  update();

  const send = async () => {
    clear(out);
    const missing = inputs.filter(({ p, input }) => p.in === 'path' && input.value === '');
    if (missing.length) {
      out.appendChild(h('p', { class: 'problem', role: 'alert' }, 'Fill in ', missing.map((m) => m.p.name).join(', '), '.'));
      missing[0].input.focus();
      return;
    }
    const url = urlOf();
    const headers = { Accept: 'application/json, application/problem+json', ...authHeaders() };
    const init = { method: o.method, headers, cache: 'no-store' };
    if (bodyBox) { init.body = bodyBox.value; headers['Content-Type'] = 'application/json'; }
    const started = performance.now();
    let res;
    try {
      res = await fetch(url, init);
    } catch (e) {
      noteRequest(o.method, url, null, started);
      out.appendChild(h('p', { class: 'problem', role: 'alert' }, 'Network error: ' + String((e && e.message) || e)));
      return;
    }
    const text = await res.text();
    noteRequest(o.method, url, res, started);
    let shown = text;
    if (/json/i.test(res.headers.get('Content-Type') || '')) { try { shown = prettyJson(parseJson(text)); } catch (e) { /* as sent */ } }
    const hdrs = [];
    res.headers.forEach((v, k) => hdrs.push(k + ': ' + v));
    out.appendChild(h('p', { class: 'try-status' }, h('strong', null, 'Status ', String(res.status)), ' ', res.statusText));
    out.appendChild(h('pre', { class: 'json try-headers', 'aria-label': 'Response headers' }, hdrs.join('\n')));
    out.appendChild(h('pre', { class: 'json try-body', tabindex: '0', 'aria-label': 'Response body' }, shown || '(empty body)'));
    announce(o.method + ' ' + o.path + ': ' + res.status);
  };

  return h('div', { class: 'op-body' },
    typeof o.op.description === 'string' ? h('p', { class: 'muted' }, o.op.description) : null,
    rows.length ? h('table', { class: 'meta-table params' },
      h('caption', { class: 'visually-hidden' }, 'Parameters of ' + o.method + ' ' + o.path),
      h('thead', null, h('tr', null, ['parameter', 'in', 'value', 'about'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, rows)) : h('p', { class: 'muted small' }, 'No parameters.'),
    bodyBox ? [h('label', { for: bodyId, class: 'block' }, 'Request body (JSON)'), bodyBox] : null,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', 'aria-label': 'Send ' + o.method + ' ' + o.path, onclick: send }, 'Send')),
    h('p', { class: 'small' }, 'curl: ', curl),
    out);
}

export async function apiPage(ctx) {
  const { view } = ctx;
  view.appendChild(breadcrumbs([['API']]));
  view.appendChild(h('h1', null, 'API'));
  const resp = await api('GET', '/openapi.json');
  if (!ctx.alive()) return;
  if (!resp.ok || !resp.data || typeof resp.data.paths !== 'object') {
    view.appendChild(problemBox(problemOf(resp), undefined, 'GET /openapi.json failed.'));
    ctx.show();
    return;
  }
  const doc = resp.data;
  const info = doc.info || {};
  view.appendChild(h('p', { class: 'muted' }, String(info.title || ''), info.version ? ' ' + info.version : '', ' — from ',
    h('a', { href: '/openapi.json' }, '/openapi.json'), doc.openapi ? ' (OpenAPI ' + doc.openapi + ')' : ''));
  const tokId = nextId('token');
  const token = h('input', { id: tokId, type: 'password', autocomplete: 'off', value: getToken(), 'data-fk': 'api-token', size: '40' });
  /* What the role may see (GET /api, this document) depends on the token:
   * a new one reloads the explorer, which reads both again with it. */
  token.addEventListener('change', () => {
    setToken(token.value.trim());
    location.reload();
  });
  const findId = nextId('opfind');
  const find = h('input', { id: findId, type: 'search', autocomplete: 'off', placeholder: 'path, method or summary' });
  view.appendChild(h('div', { class: 'api-tools' },
    h('span', { class: 'field' }, h('label', { for: tokId }, 'Bearer token'), token,
      h('span', { class: 'hint' }, 'sent as Authorization: Bearer on every request of this page and the explorer')),
    h('span', { class: 'field' }, h('label', { for: findId }, 'Find operations'), find)));

  const sections = [];
  for (const [group, ops] of operationsOf(doc)) {
    const gid = nextId('grp');
    const items = ops.map((o) => {
      const summary = typeof o.op.summary === 'string' ? o.op.summary : typeof o.op.operationId === 'string' ? o.op.operationId : '';
      const det = h('details', { class: 'op', 'data-op': o.method + ' ' + o.path },
        h('summary', null, h('span', { class: 'method m-' + o.method.toLowerCase() }, o.method), ' ',
          h('code', null, o.path), summary ? h('span', { class: 'muted small' }, ' ', summary) : null));
      det.addEventListener('toggle', () => { if (det.open && det.children.length === 1) det.appendChild(operationBody(doc, o)); });
      det.dataset.text = (o.method + ' ' + o.path + ' ' + summary).toLowerCase();
      return det;
    });
    const sec = h('section', { class: 'card op-group', 'aria-labelledby': gid }, h('h2', { id: gid }, group), items);
    sections.push({ sec, items });
    view.appendChild(sec);
  }
  find.addEventListener('input', () => {
    const q = find.value.trim().toLowerCase();
    for (const { sec, items } of sections) {
      let any = false;
      for (const d of items) { const hit = !q || d.dataset.text.includes(q); d.hidden = !hit; any = any || hit; }
      sec.hidden = !any;
    }
  });
  ctx.show();
  announce('API: ' + sections.length + ' groups of operations');
}
