/* restmap explorer: a small hash-routed browser for the JSON API under /api.
 *
 * Routes (the part after "#" mirrors the API path without "/api"):
 *   #/                          resources from GET /api
 *   #/{res}[?query]             list (query passed to the API: filter, sort, limit, cursor...)
 *   #/{res}/~new                create form (POST /api/{res})
 *   #/{res}/{id}                one object (its JSON, fields, relationship links)
 *   #/{res}/{id}/~edit          edit form (PATCH /api/{res}/{id}, If-Match: its ETag)
 *   #/{res}/{id}/{rel}[?query]  related rows: a list, or one object for a to-one
 *   #/{res}/{id}/{rel}/~new     create and add to that collection (POST .../{rel})
 *
 * Every value from the server goes into the DOM through text nodes or
 * attributes (never innerHTML); links from the server are only followed when
 * they are paths under /api/ and are turned into "#..." hashes.
 */
'use strict';
(() => {
  const OPS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'in', 'nin', 'like', 'ilike',
    'startswith', 'endswith', 'contains', 'is_null', 'between'];
  const OP_HINTS = {
    in: 'comma-separated values, or a JSON array',
    nin: 'comma-separated values, or a JSON array',
    between: 'low, high (or a JSON array of two)',
    is_null: 'true or false',
    like: 'SQL pattern: % any run, _ one character, \\ escapes',
    ilike: 'SQL pattern, case-insensitive',
  };
  const NUMERIC_TYPES = new Set(['integer', 'bigint', 'float']);
  const LIMITS = [10, 20, 50, 100];
  const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
  const JSON_INTEGER = /^-?(0|[1-9]\d*)$/;

  const state = { resources: [], byName: new Map(), byEntity: new Map(), token: 0, lastRoute: '' };
  const main = document.getElementById('main');
  const navList = document.getElementById('resource-list');
  const statusEl = document.getElementById('status');
  let uid = 0;

  /* ------------------------------------------------------------------ JSON */

  /* Integers beyond 2^53 (bigint columns) keep their digits where the browser
   * can say so (JSON.rawJSON and the reviver's source text); elsewhere they
   * are rounded like any JavaScript number. */
  const LOSSLESS = typeof JSON.rawJSON === 'function' && typeof JSON.isRawJSON === 'function';
  const isRaw = (v) => LOSSLESS && v !== null && typeof v === 'object' && JSON.isRawJSON(v);
  function parseJson(text) {
    if (!LOSSLESS) return JSON.parse(text);
    return JSON.parse(text, (k, v, c) => (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)
      && c && typeof c.source === 'string' && /^-?\d+$/.test(c.source) ? JSON.rawJSON(c.source) : v));
  }
  function numberFrom(t) {
    return LOSSLESS && /^-?\d+$/.test(t) && !Number.isSafeInteger(Number(t)) ? JSON.rawJSON(t) : Number(t);
  }

  /* ------------------------------------------------------------ DOM helpers */

  function append(el, kids) {
    for (const k of kids) {
      if (k === null || k === undefined || k === false) continue;
      if (Array.isArray(k)) append(el, k);
      else if (k instanceof Node) el.appendChild(k);
      else el.appendChild(document.createTextNode(String(k)));
    }
  }

  /* h('a', {href: '#/x', class: 'y', onclick: fn}, 'text', child...) */
  function h(tag, attrs, ...kids) {
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

  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }
  function nextId(prefix) { uid += 1; return prefix + '-' + uid; }
  function announce(text) { statusEl.textContent = ''; setTimeout(() => { statusEl.textContent = text; }, 30); }

  /* ----------------------------------------------------------------- HTTP */

  async function api(method, url, opts = {}) {
    const headers = { Accept: 'application/json, application/problem+json', ...(opts.headers || {}) };
    const init = { method, headers, cache: 'no-store', credentials: 'same-origin' };
    if (opts.body !== undefined) {
      init.body = opts.body;
      headers['Content-Type'] = 'application/json';
    }
    let res;
    try {
      res = await fetch(url, init);
    } catch (e) {
      return { status: 0, ok: false, data: { title: 'Network error', detail: String((e && e.message) || e) } };
    }
    let data = null;
    if (res.status !== 204 && res.status !== 304) {
      const text = await res.text();
      const ct = res.headers.get('Content-Type') || '';
      if (text && /json/i.test(ct)) {
        try { data = parseJson(text); } catch (e) { data = { title: 'Unreadable JSON from the server', detail: text.slice(0, 300) }; }
      } else if (text) {
        data = { title: res.statusText || 'Unexpected answer', detail: text.slice(0, 300) };
      }
    }
    return {
      status: res.status, ok: res.ok, data,
      etag: res.headers.get('ETag'),
      location: res.headers.get('Location'),
      requestId: res.headers.get('X-Request-Id'),
    };
  }

  function problemOf(resp) {
    const d = resp.data && typeof resp.data === 'object' && !Array.isArray(resp.data) ? resp.data : {};
    return {
      status: d.status || resp.status,
      title: d.title || (resp.status ? 'HTTP ' + resp.status : 'Error'),
      detail: typeof d.detail === 'string' ? d.detail : '',
      errors: Array.isArray(d.errors) ? d.errors.filter((e) => e && typeof e === 'object') : [],
      requestId: d.request_id || resp.requestId || '',
    };
  }

  /* A problem+json box; `errors` defaults to all of the problem's errors. */
  function problemBox(p, errors, lead) {
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

  /* ------------------------------------------------------ query and hashes */

  const enc = encodeURIComponent;
  function dec(s) { try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch (e) { return s; } }

  function parseQuery(q) {
    const out = [];
    if (!q) return out;
    for (const part of q.split('&')) {
      if (!part) continue;
      const i = part.indexOf('=');
      out.push(i < 0 ? [dec(part), ''] : [dec(part.slice(0, i)), dec(part.slice(i + 1))]);
    }
    return out;
  }
  function buildQuery(pairs) { return pairs.map(([k, v]) => enc(k) + '=' + enc(v)).join('&'); }
  function getParam(pairs, key) { const p = pairs.find(([k]) => k === key); return p ? p[1] : null; }
  function withParams(pairs, changes) {
    const out = pairs.filter(([k]) => !(k in changes));
    for (const [k, v] of Object.entries(changes)) if (v !== null && v !== undefined && v !== '') out.push([k, String(v)]);
    return out;
  }
  function hashOf(path, pairs) { return '#' + path + (pairs && pairs.length ? '?' + buildQuery(pairs) : ''); }

  /* "/api/users/5?x=1" -> "#/users/5?x=1" (count is dropped: lists always ask for it) */
  function apiToHash(link) {
    if (typeof link !== 'string' || !link.startsWith('/api/')) return null;
    const q = link.indexOf('?');
    const path = q < 0 ? link.slice(4) : link.slice(4, q);
    const pairs = q < 0 ? [] : parseQuery(link.slice(q + 1)).filter(([k]) => k !== 'count');
    return hashOf(path, pairs);
  }

  function go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  }

  /* --------------------------------------------------------------- schema */

  function readable(meta) { return meta.columns.filter((c) => !c.write_only); }
  function pkCols(meta) { return meta ? meta.columns.filter((c) => c.primary_key) : []; }
  function relOf(meta, name) { return (meta.relationships || []).find((r) => r.name === name) || null; }
  function metaOfEntity(entity) { return state.byEntity.get(entity) || null; }

  function typeLabel(col) {
    const bits = [col.type];
    if (col.primary_key) bits.push('key');
    if (!col.nullable && !col.primary_key) bits.push('not null');
    if (col.read_only) bits.push('read-only');
    if (col.write_only) bits.push('write-only');
    return bits.join(', ');
  }

  function isNum(col) { return NUMERIC_TYPES.has(col.type) || col.type === 'numeric'; }

  function keyLabel(meta, obj) {
    const pks = pkCols(meta);
    if (!obj || !pks.length) return '';
    return pks.map((c) => {
      const v = obj[c.name];
      return v === undefined ? '?' : typeof v === 'string' ? v : JSON.stringify(v);
    }).join(',');
  }

  /* --------------------------------------------------------------- boot */

  async function boot() {
    document.getElementById('skip-link').addEventListener('click', (ev) => {
      ev.preventDefault();
      main.focus();
    });
    const resp = await api('GET', '/api');
    if (!resp.ok || !resp.data || !Array.isArray(resp.data.resources)) {
      clear(navList);
      navList.appendChild(h('li', { class: 'muted' }, 'unavailable'));
      clear(main);
      main.appendChild(h('h1', null, 'restmap explorer'));
      main.appendChild(problemBox(problemOf(resp), undefined, 'GET /api failed.'));
      return;
    }
    state.resources = resp.data.resources.filter((r) => r && typeof r.name === 'string' && Array.isArray(r.columns));
    for (const r of state.resources) {
      if (!Array.isArray(r.relationships)) r.relationships = [];
      state.byName.set(r.name, r);
      if (r.entity) state.byEntity.set(r.entity, r);
    }
    clear(navList);
    for (const r of state.resources) {
      navList.appendChild(h('li', null, h('a', { href: hashOf('/' + enc(r.name)), 'data-res': r.name }, r.name)));
    }
    window.addEventListener('hashchange', route);
    route();
  }

  function markNav(resName) {
    for (const a of navList.querySelectorAll('a')) {
      if (a.getAttribute('data-res') === resName) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  }

  /* ---------------------------------------------------------------- router */

  function parseHash() {
    const raw = location.hash.replace(/^#/, '');
    const q = raw.indexOf('?');
    const path = q < 0 ? raw : raw.slice(0, q);
    const params = q < 0 ? [] : parseQuery(raw.slice(q + 1));
    const segs = path.split('/').filter(Boolean); /* still percent-encoded */
    return { segs, params };
  }

  async function route() {
    const token = ++state.token;
    const alive = () => token === state.token;
    const { segs, params } = parseHash();
    const view = h('div', { class: 'view' });
    const routeKey = segs.join('/');
    const moved = routeKey !== state.lastRoute;
    state.lastRoute = routeKey;
    /* Swap the view in. A new page moves focus to its heading; the same page
     * re-rendered (sorting, paging, filtering) keeps focus on the control used. */
    const show = () => {
      if (!alive()) return false;
      const ae = document.activeElement;
      const inMain = !!ae && ae !== main && main.contains(ae);
      const key = inMain ? ae.getAttribute('data-fk') : null;
      clear(main);
      main.appendChild(view);
      const find = (k) => {
        const el = k ? view.querySelector('[data-fk="' + CSS.escape(k) + '"]') : null;
        return el && !el.disabled ? el : null;
      };
      const again = find(key) || find({ next: 'prev', prev: 'next' }[key]);
      const h1 = view.querySelector('h1');
      if (again) again.focus({ preventScroll: true });
      else if (h1 && (moved || inMain)) { h1.setAttribute('tabindex', '-1'); h1.focus({ preventScroll: true }); }
      return true;
    };

    if (!segs.length) { markNav(null); homeView(view); show(); document.title = 'restmap explorer'; return; }

    const resName = dec(segs[0]);
    const meta = state.byName.get(resName);
    markNav(resName);
    document.title = 'restmap · ' + segs.map(dec).join('/');
    if (!meta) {
      view.appendChild(h('h1', null, 'Not found'));
      view.appendChild(h('p', null, 'There is no resource named ', h('code', null, resName), '.'));
      show();
      return;
    }
    const base = '/' + segs[0];
    const crumbs = [[resName, hashOf(base)]];
    const ctx = { meta, params, alive, show, view, crumbs };

    if (segs.length === 1) {
      Object.assign(ctx, { apiPath: '/api' + base, hashPath: base, title: resName, canCreate: true });
      return listView(ctx);
    }
    if (segs.length === 2 && segs[1] === '~new') {
      crumbs.push(['new']);
      Object.assign(ctx, { postPath: '/api' + base, title: 'New ' + (meta.entity || resName) });
      return formView(ctx, 'create');
    }
    const idSeg = segs[1];
    const objPath = base + '/' + idSeg;
    crumbs.push([dec(idSeg), hashOf(objPath)]);
    if (segs.length === 2) {
      Object.assign(ctx, { apiPath: '/api' + objPath });
      return objectView(ctx);
    }
    if (segs.length === 3 && segs[2] === '~edit') {
      crumbs.push(['edit']);
      Object.assign(ctx, { apiPath: '/api' + objPath });
      return formView(ctx, 'edit');
    }
    const relName = dec(segs[2]);
    const rel = relOf(meta, relName);
    const target = rel ? metaOfEntity(rel.target) : null;
    const relPath = objPath + '/' + segs[2];
    if (!rel || !target || segs.length > 4 || (segs.length === 4 && segs[3] !== '~new')) {
      view.appendChild(h('h1', null, 'Not found'));
      view.appendChild(h('p', null, h('code', null, resName), ' has no relationship ', h('code', null, relName),
        ' the explorer can show.'));
      show();
      return;
    }
    crumbs.push([relName, hashOf(relPath)]);
    const sub = { meta: target, owner: meta, rel };
    if (segs.length === 4) {
      crumbs.push(['new']);
      Object.assign(ctx, sub, { postPath: '/api' + relPath, title: 'New ' + rel.target + ' in ' + relName });
      return formView(ctx, 'create');
    }
    Object.assign(ctx, sub, { apiPath: '/api' + relPath, hashPath: relPath, title: relName, canCreate: true });
    if (rel.uselist === false || rel.direction === 'many_to_one') {
      crumbs.pop();
      crumbs.push([relName]);
      return objectView(ctx);
    }
    return listView(ctx);
  }

  function breadcrumbs(crumbs) {
    const items = [h('li', null, h('a', { href: '#/' }, 'api'))];
    crumbs.forEach(([label, href], i) => {
      const last = i === crumbs.length - 1;
      items.push(h('li', null, href && !last ? h('a', { href }, label) : h('span', { 'aria-current': last ? 'page' : null }, label)));
    });
    return h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('ol', null, items));
  }

  /* ------------------------------------------------------------------ home */

  function homeView(view) {
    view.appendChild(h('h1', null, 'Resources'));
    if (!state.resources.length) { view.appendChild(h('p', null, 'The schema serves no resources.')); return; }
    view.appendChild(h('p', { class: 'muted' }, 'From ', h('code', null, 'GET /api'), '. Pick a resource to browse its rows.'));
    for (const r of state.resources) {
      const hid = nextId('res');
      view.appendChild(h('section', { class: 'card', 'aria-labelledby': hid },
        h('h2', { id: hid }, h('a', { href: hashOf('/' + enc(r.name)) }, r.name),
          r.entity ? h('span', { class: 'muted small' }, ' ', r.entity) : null),
        h('table', { class: 'meta-table' },
          h('caption', { class: 'visually-hidden' }, 'Columns of ' + r.name),
          h('thead', null, h('tr', null, ['column', 'type', 'flags'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', null, r.columns.map((c) => h('tr', null,
            h('td', null, h('code', null, c.name)),
            h('td', null, c.type),
            h('td', { class: 'muted' }, [c.primary_key && 'primary key', c.nullable ? 'nullable' : 'not null',
              c.read_only && 'read-only', c.write_only && 'write-only'].filter(Boolean).join(', ')))))),
        r.relationships.length ? h('p', { class: 'rels' }, 'Relationships: ', r.relationships.map((rel, i) => [
          i ? ', ' : '', h('code', null, rel.name), ' → ', linkToEntity(rel.target),
          h('span', { class: 'muted small' }, ' (', String(rel.direction || ''), rel.lazy ? ', ' + rel.lazy : '', ')')])) : null));
    }
  }

  function linkToEntity(entity) {
    const m = metaOfEntity(entity);
    return m ? h('a', { href: hashOf('/' + enc(m.name)) }, String(entity)) : String(entity);
  }

  /* ----------------------------------------------------------------- cells */

  function valueNode(v, max) {
    if (v === null) return h('span', { class: 'null' }, 'null');
    if (v === undefined) return h('span', { class: 'muted' }, '—');
    if (typeof v === 'boolean') return h('span', { class: 'bool' }, String(v));
    if (typeof v === 'number' || isRaw(v)) return h('span', { class: 'num' }, JSON.stringify(v));
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    if (max && s.length > max) return h('span', { title: s }, s.slice(0, max - 1) + '…');
    return h('span', { class: typeof v === 'string' ? null : 'json' }, s);
  }

  /* The link (hash) and label for relationship `rel` of object `obj`. */
  function relLink(obj, rel) {
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
      return { href: apiToHash(sl), label: rel.name + ' ' + keyLabel(target, v) };
    }
    if (v === null) return { href: null, label: rel.name + ': null' };
    return { href: self ? apiToHash(self + '/' + enc(rel.name)) : null, label: rel.name };
  }

  /* ------------------------------------------------------------------ list */

  /* Low-cardinality columns (choices, booleans) get facet counts over the
   * filtered rows, and to-many relationships their per-row counts (SPEC §10
   * B): asked along with the page; each facet costs one statement, the
   * counts none. At most 10 of each, as the server takes. */
  function facetColumns(meta) {
    return readable(meta).filter((c) => !c.primary_key && (c.type === 'boolean' || Array.isArray(c.choices))).slice(0, 10);
  }
  function listExtras(meta, params) {
    const extra = [];
    const facets = facetColumns(meta).map((c) => c.name);
    if (facets.length && getParam(params, 'facet') === null) extra.push(['facet', facets.join(',')]);
    (meta.relationships || []).filter((r) => r.uselist).slice(0, 10).forEach((r) => {
      if (getParam(params, 'count[' + r.name + ']') === null) extra.push(['count[' + r.name + ']', '*']);
    });
    return extra;
  }
  /* meta.facets as lists of value (count) links: a click narrows the filter
   * to that value (null: is null). */
  function facetsBox(meta, facets, filterText, apply) {
    const current = parseJson(filterText || '{}');
    const base = isPlainObject(current) ? current : {};
    const groups = Object.keys(facets).filter((k) => isPlainObject(facets[k]) && Array.isArray(facets[k].values));
    if (!groups.length) return h('span', null);
    return h('section', { class: 'facets', 'aria-label': 'Facets' }, groups.map((path) => {
      const f = facets[path];
      return h('div', { class: 'facet' }, h('h2', { class: 'facet-name' }, path),
        h('ul', null, f.values.map((v) => {
          const narrowed = Object.assign({}, base, { [path]: v.value === null ? { is_null: true } : v.value });
          return h('li', null, h('button', { type: 'button', class: 'link', 'data-fk': 'facet:' + path,
            onclick: () => apply(JSON.stringify(narrowed)) }, valueNode(v.value, 40)), ' ',
          h('span', { class: 'muted small' }, String(v.count)));
        })), f.truncated ? h('p', { class: 'muted small' }, 'more values not shown') : null);
    }));
  }

  /* Cursor pages know neither their position nor the page before them, so
   * the page remembers, per page hash, where it starts and which page led to
   * it (sessionStorage: survives reload, back and forward). */
  const PAGES_KEY = 'restmap.pages';
  function loadPages() {
    try { const v = JSON.parse(sessionStorage.getItem(PAGES_KEY) || '{}'); return isPlainObject(v) ? v : {}; } catch (e) { return {}; }
  }
  function rememberPage(hash, info) {
    const pages = loadPages();
    delete pages[hash];
    pages[hash] = info;
    const keys = Object.keys(pages);
    for (const k of keys.slice(0, Math.max(0, keys.length - 200))) delete pages[k];
    try { sessionStorage.setItem(PAGES_KEY, JSON.stringify(pages)); } catch (e) { /* storage off */ }
  }

  async function listView(ctx) {
    const { meta, params, view, hashPath } = ctx;
    const here = hashOf(hashPath, params);
    const go2 = (changes) => go(hashOf(hashPath, withParams(params, { cursor: null, offset: null, ...changes })));

    view.appendChild(breadcrumbs(ctx.crumbs));
    view.appendChild(h('div', { class: 'title-row' },
      h('h1', null, ctx.title, ctx.rel ? h('span', { class: 'muted small' }, ' ', ctx.rel.target, ' rows') : null),
      ctx.canCreate ? h('a', { class: 'button primary', href: hashOf(hashPath + '/~new') },
        ctx.rel ? 'Add new ' + ctx.rel.target : 'New ' + (meta.entity || meta.name)) : null));

    const filterText = getParam(params, 'filter');
    const filterUi = filterEditor(ctx, filterText, (f) => go2({ filter: f }));
    view.appendChild(filterUi.el);

    const shorthand = params.filter(([k]) => !['filter', 'sort', 'limit', 'offset', 'cursor', 'count', 'facet', 'facet_size'].includes(k) &&
      !k.startsWith('count['));
    if (shorthand.length) {
      view.appendChild(h('p', { class: 'chips' }, 'Also in the query: ', shorthand.map(([k, v]) => [
        h('code', null, k + '=' + v), ' ']),
      h('a', { href: hashOf(hashPath, params.filter(([k]) => !shorthand.some(([s]) => s === k))) }, 'remove')));
    }

    const apiParams = params.filter(([k]) => k !== 'count').concat([['count', 'exact']], listExtras(meta, params));
    const resp = await api('GET', ctx.apiPath + '?' + buildQuery(apiParams));
    if (!ctx.alive()) return;

    if (!resp.ok || !resp.data || !Array.isArray(resp.data.data)) {
      const p = problemOf(resp);
      const filterErrs = p.errors.filter((e) => typeof e.pointer === 'string' && e.pointer.startsWith('/filter'));
      if (filterErrs.length || (p.status === 400 && filterText !== null && !p.errors.length)) {
        filterUi.showErrors(p, filterErrs);
        const rest = p.errors.filter((e) => !filterErrs.includes(e));
        if (rest.length) view.appendChild(problemBox(p, rest));
      } else {
        view.appendChild(problemBox(p));
      }
      if (params.length) {
        view.appendChild(h('p', null, h('a', { href: hashOf(hashPath) }, 'Show ' + (ctx.title || meta.name) + ' without these query parameters')));
      }
      ctx.show();
      announce('The list could not be loaded: ' + p.title);
      return;
    }

    const { data, meta: m = {}, links = {} } = resp.data;
    const limit = Number.isInteger(m.limit) ? m.limit : Number(getParam(params, 'limit')) || 20;

    /* position and previous page: from the server (offset paging) or remembered (cursor paging) */
    const cursor = getParam(params, 'cursor');
    const seen = cursor ? loadPages()[here] : null;
    const start = cursor ? (seen && Number.isInteger(seen.start) ? seen.start : null)
      : (Number.isInteger(m.offset) ? m.offset : 0);

    /* table */
    const cols = readable(meta);
    const rels = meta.relationships || [];
    const sort = getParam(params, 'sort') || '';
    const primarySort = sort.split(',')[0] || '';
    const capId = nextId('cap');
    const total = Number.isInteger(m.total) ? m.total : null;
    const ofTotal = total !== null ? ' of ' + total : '';
    let rangeText;
    if (!data.length) rangeText = total !== null ? 'No rows on this page (' + total + ' in all)' : 'No rows';
    else if (start === null) rangeText = data.length + (data.length === 1 ? ' row' : ' rows') + ' on this page' + ofTotal;
    else if (data.length === 1) rangeText = 'Row ' + (start + 1) + ofTotal;
    else rangeText = 'Rows ' + (start + 1) + '–' + (start + data.length) + ofTotal;

    const headRow = h('tr', null, cols.map((c) => {
      const dir = primarySort === c.name ? 'ascending' : primarySort === '-' + c.name ? 'descending' : null;
      const next = dir === 'ascending' ? '-' + c.name : c.name;
      return h('th', { scope: 'col', 'aria-sort': dir, class: isNum(c) && !c.primary_key ? 'n' : null },
        h('button', { type: 'button', class: 'sort', 'data-fk': 'sort:' + c.name, onclick: () => go2({ sort: next }),
          title: 'Sort by ' + c.name + (dir === 'ascending' ? ' descending' : ' ascending') },
        h('span', { class: 'col-name' }, c.name,
          h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, dir === 'ascending' ? ' ▲' : dir === 'descending' ? ' ▼' : '')),
        h('span', { class: 'col-type' }, c.type)));
    }), rels.length ? h('th', { scope: 'col', class: 'plain' }, 'related') : null);

    const body = h('tbody', null, data.map((row) => {
      const self = row && row._links && typeof row._links.self === 'string' ? apiToHash(row._links.self) : null;
      return h('tr', null, cols.map((c) => {
        const cell = valueNode(row ? row[c.name] : undefined, 80);
        if (c.primary_key && self) return h('th', { scope: 'row' }, h('a', { href: self, title: 'View ' + meta.name + ' ' + keyLabel(meta, row) }, cell));
        return h('td', { class: isNum(c) ? 'n' : cell.textContent.length > 32 ? 'wrap' : null }, cell);
      }), rels.length ? h('td', { class: 'rel-cell' }, rels.map((rel) => {
        const l = relLink(row, rel);
        return l.href ? h('a', { href: l.href, class: 'rel' }, l.label) : h('span', { class: 'rel muted' }, l.label);
      })) : null);
    }));

    const table = h('div', { class: 'table-wrap', role: 'region', 'aria-labelledby': capId, tabindex: '0' },
      h('table', { class: 'rows' },
        h('caption', { id: capId }, (ctx.title || meta.name) + ' — ' + rangeText + (sort ? ', sorted by ' + sort : '')),
        h('thead', null, headRow), body));
    view.appendChild(table);
    if (!data.length) view.appendChild(h('p', { class: 'empty' }, filterText ? 'No rows match this filter.' : 'No rows here.'));
    if (m.facets) view.appendChild(facetsBox(meta, m.facets, filterText, (f) => go2({ filter: f })));

    /* paging */
    const prevHash = (seen && typeof seen.prev === 'string' ? seen.prev : null) || apiToHash(links.prev);
    const nextHash = apiToHash(links.next);
    const limitId = nextId('limit');
    view.appendChild(h('nav', { class: 'pager', 'aria-label': 'Pages' },
      h('button', { type: 'button', 'data-fk': 'prev', disabled: !prevHash, onclick: () => go(prevHash) }, '‹ Previous'),
      h('span', { class: 'page-info' }, rangeText),
      h('button', { type: 'button', 'data-fk': 'next', disabled: !nextHash, onclick: () => {
        if (getParam(parseQuery(nextHash.split('?')[1] || ''), 'cursor')) {
          rememberPage(nextHash, { prev: here, start: start === null ? null : start + data.length });
        }
        go(nextHash);
      } }, 'Next ›'),
      h('label', { for: limitId, class: 'limit' }, 'Rows per page '),
      h('select', { id: limitId, 'data-fk': 'limit', value: String(limit), onchange: (ev) => go2({ limit: ev.target.value }) },
        LIMITS.concat(LIMITS.includes(limit) ? [] : [limit]).sort((a, b) => a - b).map((n) => h('option', { value: String(n) }, String(n))))));
    if (sort) {
      view.appendChild(h('p', { class: 'muted small' }, 'Sort: ', h('code', null, sort), ' ',
        h('button', { type: 'button', class: 'link', onclick: () => go2({ sort: null }) }, 'clear sort')));
    }
    ctx.show();
    announce((ctx.title || meta.name) + ': ' + rangeText);
  }

  /* --------------------------------------------------------- filter editor */

  function filterPaths(meta) {
    const groups = [{ label: 'Columns', items: readable(meta).map((c) => ({ path: c.name, col: c })) }];
    for (const rel of meta.relationships || []) {
      const t = metaOfEntity(rel.target);
      if (!t) continue;
      groups.push({ label: rel.name + ' (' + rel.target + ')', items: readable(t).map((c) => ({ path: rel.name + '.' + c.name, col: c })) });
    }
    return groups;
  }

  function convertScalar(text, col) {
    const t = text.trim();
    if (t === 'null') return null;
    if (col && NUMERIC_TYPES.has(col.type) && JSON_NUMBER.test(t)) return numberFrom(t);
    if (col && col.type === 'boolean' && (t === 'true' || t === 'false')) return t === 'true';
    if (col && col.type === 'json') { try { return parseJson(t); } catch (e) { return text; } }
    return col && col.type === 'string' ? text : t;
  }

  function builderValue(op, text, col) {
    const t = text.trim();
    if (op === 'is_null') {
      if (t === '' || t === 'true') return true;
      if (t === 'false') return false;
      throw new Error('is_null takes true or false');
    }
    if (op === 'in' || op === 'nin' || op === 'between') {
      let arr;
      if (t.startsWith('[')) {
        try { arr = parseJson(t); } catch (e) { throw new Error('not a JSON array: ' + e.message); }
        if (!Array.isArray(arr)) throw new Error('not a JSON array');
      } else {
        arr = t === '' ? [] : t.split(',').map((s) => convertScalar(s.trim(), col));
      }
      if (op === 'between' && arr.length !== 2) throw new Error('between takes two values: low, high');
      return arr;
    }
    if (t.startsWith('"') && t.endsWith('"') && t.length >= 2) {
      try { return parseJson(t); } catch (e) { /* fall through */ }
    }
    return ['like', 'ilike', 'startswith', 'endswith', 'contains'].includes(op) ? text : convertScalar(text, col);
  }

  function inlineJson(v) {
    if (v === null || typeof v !== 'object' || isRaw(v)) return JSON.stringify(v);
    if (Array.isArray(v)) return '[' + v.map(inlineJson).join(', ') + ']';
    return '{' + Object.keys(v).map((k) => JSON.stringify(k) + ': ' + inlineJson(v[k])).join(', ') + '}';
  }

  /* JSON.stringify(v, null, 2), but short arrays and objects stay on one line */
  function prettyJson(v, indent = '') {
    const flat = inlineJson(v);
    if (v === null || typeof v !== 'object' || isRaw(v) || flat.length + indent.length <= 64) return flat;
    const inner = indent + '  ';
    if (Array.isArray(v)) return '[\n' + v.map((x) => inner + prettyJson(x, inner)).join(',\n') + '\n' + indent + ']';
    return '{\n' + Object.keys(v).map((k) => inner + JSON.stringify(k) + ': ' + prettyJson(v[k], inner)).join(',\n') + '\n' + indent + '}';
  }

  function isPlainObject(v) { return v !== null && typeof v === 'object' && !Array.isArray(v) && !isRaw(v); }

  function addCondition(current, path, op, value, mode) {
    const cond = { [path]: { [op]: value } };
    if (!isPlainObject(current) || !Object.keys(current).length) return cond;
    if (mode === 'or') {
      const keys = Object.keys(current);
      if (keys.length === 1 && Array.isArray(current.or)) return { or: current.or.concat([cond]) };
      return { or: [current, cond] };
    }
    if (!(path in current)) return { ...current, ...cond };
    const existing = current[path];
    const opsOnly = isPlainObject(existing) && Object.keys(existing).every((k) => OPS.includes(k));
    if (opsOnly && !(op in existing)) return { ...current, [path]: { ...existing, [op]: value } };
    if (Array.isArray(current.and) && Object.keys(current).length === 1) return { and: current.and.concat([cond]) };
    return { and: [current, cond] };
  }

  function filterEditor(ctx, filterText, apply) {
    const groups = filterPaths(ctx.meta);
    const all = groups.flatMap((g) => g.items);
    const ids = { col: nextId('fcol'), op: nextId('fop'), val: nextId('fval'), mode: nextId('fmode'), json: nextId('fjson'), hint: nextId('fhint'), err: nextId('ferr') };

    let pretty = '';
    if (filterText) {
      try { pretty = prettyJson(parseJson(filterText)); } catch (e) { pretty = filterText; }
    }
    const textarea = h('textarea', { id: ids.json, rows: String(Math.min(12, Math.max(3, pretty.split('\n').length))),
      spellcheck: 'false', autocomplete: 'off', 'aria-describedby': ids.err, class: 'code',
      placeholder: '{"name": {"in": ["ed", "wendy"]}}', value: pretty });
    const errBox = h('div', { id: ids.err, class: 'filter-errors' });
    const colSel = h('select', { id: ids.col }, groups.map((g) => h('optgroup', { label: g.label },
      g.items.map((it) => h('option', { value: it.path }, it.path + '  (' + it.col.type + ')')))));
    const opSel = h('select', { id: ids.op }, OPS.map((o) => h('option', { value: o }, o)));
    const valIn = h('input', { id: ids.val, type: 'text', autocomplete: 'off', 'aria-describedby': ids.hint });
    const hint = h('span', { id: ids.hint, class: 'hint' });
    const modeSel = h('select', { id: ids.mode }, h('option', { value: 'and' }, 'and'), h('option', { value: 'or' }, 'or'));
    const updateHint = () => {
      const it = all.find((x) => x.path === colSel.value);
      hint.textContent = OP_HINTS[opSel.value] || (it ? 'a value of type ' + it.col.type : '');
      valIn.placeholder = opSel.value === 'is_null' ? 'true' : '';
    };
    colSel.addEventListener('change', updateHint);
    opSel.addEventListener('change', updateHint);
    updateHint();

    const localError = (msg) => {
      clear(errBox);
      errBox.appendChild(h('p', { class: 'problem', role: 'alert' }, msg));
      textarea.setAttribute('aria-invalid', 'true');
    };

    const addBtn = h('button', { type: 'button', onclick: () => {
      const it = all.find((x) => x.path === colSel.value);
      if (!it) return;
      let current = {};
      const t = textarea.value.trim();
      if (t) {
        try { current = parseJson(t); } catch (e) { localError('The filter JSON does not parse: ' + e.message); textarea.focus(); return; }
      }
      let value;
      try { value = builderValue(opSel.value, valIn.value, it.col); } catch (e) { localError(e.message); valIn.focus(); return; }
      const next = addCondition(current, it.path, opSel.value, value, modeSel.value);
      textarea.value = prettyJson(next);
      textarea.rows = Math.min(12, Math.max(3, textarea.value.split('\n').length));
      clear(errBox);
      textarea.removeAttribute('aria-invalid');
      announce('Condition added to the filter. Apply to run it.');
    } }, 'Add to filter');

    const form = h('form', { class: 'filter', 'aria-label': 'Filter', onsubmit: (ev) => {
      ev.preventDefault();
      const t = textarea.value.trim();
      if (!t) { apply(null); return; }
      let parsed;
      try { parsed = parseJson(t); } catch (e) { localError('The filter JSON does not parse: ' + e.message); textarea.focus(); return; }
      apply(JSON.stringify(parsed));
    } },
    h('fieldset', { class: 'builder' },
      h('legend', null, 'Add a condition'),
      h('span', { class: 'field' }, h('label', { for: ids.col }, 'Column'), colSel),
      h('span', { class: 'field' }, h('label', { for: ids.op }, 'Operator'), opSel),
      h('span', { class: 'field grow' }, h('label', { for: ids.val }, 'Value'), valIn, hint),
      h('span', { class: 'field' }, h('label', { for: ids.mode }, 'Combine with'), modeSel),
      addBtn),
    h('label', { for: ids.json, class: 'block' }, 'Filter (JSON)'),
    textarea,
    errBox,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary', 'data-fk': 'apply-filter' }, 'Apply filter'),
      h('button', { type: 'button', disabled: !filterText, onclick: () => apply(null) }, 'Clear filter')));

    valIn.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); addBtn.click(); } });

    const details = h('details', { class: 'filter-box', open: !!filterText },
      h('summary', null, 'Filter', filterText ? h('code', { class: 'summary-filter' }, ' ' + filterText) : null), form);

    return {
      el: details,
      showErrors(p, errs) {
        details.open = true;
        clear(errBox);
        errBox.appendChild(problemBox(p, errs, 'The server rejected this filter; pointers are into the filter JSON.'));
        textarea.setAttribute('aria-invalid', 'true');
      },
    };
  }

  /* ---------------------------------------------------------------- object */

  async function objectView(ctx) {
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
        h('dd', null, valueNode(obj[c.name]))]))));

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

    const jsonId = nextId('json');
    view.appendChild(h('section', { 'aria-labelledby': jsonId },
      h('h2', { id: jsonId }, 'JSON'),
      h('p', { class: 'muted small' }, 'GET ', h('code', null, ctx.apiPath),
        resp.etag ? [' · ETag ', h('code', null, resp.etag)] : null),
      h('pre', { class: 'json', tabindex: '0', 'aria-label': 'JSON of ' + label }, prettyJson(obj))));
    ctx.show();
    announce('Showing ' + label);
  }

  /* ------------------------------------------------------------------ form */

  function inputKind(col) {
    if (col.write_only) return 'password';
    if (col.type === 'boolean') return 'bool';
    if (col.type === 'json') return 'json';
    if (col.type === 'text') return 'textarea';
    return 'text';
  }

  function rawOf(kind, v) {
    if (v === null || v === undefined) return '';
    if (kind === 'bool') return String(v === true);
    if (kind === 'json') return prettyJson(v);
    return typeof v === 'string' ? v : JSON.stringify(v);
  }

  const PLACEHOLDERS = { date: 'YYYY-MM-DD', datetime: '2024-01-31T12:00:00Z', uuid: '00000000-0000-0000-0000-000000000000', numeric: 'e.g. 12.50' };

  function makeField(col, obj, mode) {
    const id = nextId('f');
    const kind = inputKind(col);
    const locked = !!col.read_only || (mode === 'edit' && !!col.primary_key);
    const has = obj && Object.prototype.hasOwnProperty.call(obj, col.name);
    const initial = has ? obj[col.name] : undefined;
    const initialNull = mode === 'edit' && has && initial === null;
    const initialRaw = mode === 'edit' ? rawOf(kind, initial) : (kind === 'bool' ? 'false' : '');
    const errId = id + '-err';
    const hintId = id + '-hint';
    const described = hintId + ' ' + errId;
    let input;
    if (kind === 'bool') {
      input = h('input', { type: 'checkbox', id, checked: mode === 'edit' && initial === true, 'aria-describedby': described });
    } else if (kind === 'json' || kind === 'textarea') {
      input = h('textarea', { id, rows: kind === 'json' ? '5' : '4', class: kind === 'json' ? 'code' : null,
        spellcheck: kind === 'json' ? 'false' : null, 'aria-describedby': described, value: initialRaw });
    } else {
      input = h('input', {
        type: kind === 'password' ? 'password' : 'text', id, 'aria-describedby': described,
        autocomplete: kind === 'password' ? 'new-password' : 'off',
        inputmode: col.type === 'integer' || col.type === 'bigint' ? 'numeric' : col.type === 'float' || col.type === 'numeric' ? 'decimal' : null,
        placeholder: kind === 'password' ? (mode === 'edit' ? 'unchanged unless you type one' : '')
          : locked && mode === 'create' ? 'set by the server'
            : mode === 'create' && col.primary_key ? 'generated when left empty' : PLACEHOLDERS[col.type] || null,
        value: kind === 'password' ? '' : initialRaw,
      });
    }
    if (locked) {
      if (kind === 'bool') input.disabled = true; else input.readOnly = true;
      input.classList.add('locked');
    }
    let nullBox = null;
    if (col.nullable && !locked && kind !== 'password') {
      nullBox = h('input', { type: 'checkbox', id: id + '-null', checked: initialNull });
      input.disabled = initialNull;
    }
    const f = { col, kind, input, nullBox, locked, initialNull, initialRaw, dirty: false, errEl: null, wrap: null };
    const markDirty = () => { f.dirty = true; };
    input.addEventListener('input', markDirty);
    input.addEventListener('change', markDirty);
    if (nullBox) {
      nullBox.addEventListener('change', () => {
        input.disabled = nullBox.checked;
        f.dirty = true;
        if (!nullBox.checked) input.focus();
      });
    }
    f.errEl = h('p', { class: 'field-error', id: errId, hidden: true });
    const required = !col.nullable && !col.primary_key && !col.read_only;
    const label = h('label', { for: id }, col.name, required ? h('span', { class: 'req', title: 'required' }, ' *') : null);
    const hint = h('span', { class: 'hint', id: hintId }, typeLabel(col),
      kind === 'bool' && mode === 'create' && !locked ? ' — left out (server default) unless you tick or untick it' : '');
    f.wrap = h('div', { class: 'form-row' + (kind === 'bool' ? ' bool' : '') + (locked ? ' is-locked' : '') },
      label,
      h('div', { class: 'control' },
        kind === 'bool' ? h('span', { class: 'inline' }, input) : input,
        nullBox ? h('label', { class: 'null-toggle', for: nullBox.id }, nullBox, ' null',
          h('span', { class: 'visually-hidden' }, ' (' + col.name + ')')) : null,
        hint, f.errEl));
    return f;
  }

  function currentRaw(f) { return f.kind === 'bool' ? String(f.input.checked) : f.input.value; }

  /* The JSON text of a field's value, or {error}. */
  function fieldJson(f) {
    const v = f.input.value;
    switch (f.kind) {
      case 'bool': return { json: f.input.checked ? 'true' : 'false' };
      case 'json':
        try { return { json: JSON.stringify(parseJson(v)) }; } catch (e) { return { error: 'not valid JSON: ' + e.message }; }
      default: break;
    }
    const t = v.trim();
    if ((f.col.type === 'integer' || f.col.type === 'bigint') && JSON_INTEGER.test(t)) return { json: t };
    if (f.col.type === 'float' && JSON_NUMBER.test(t)) return { json: t };
    return { json: JSON.stringify(v) }; /* the server validates everything else */
  }

  function collect(fields, mode) {
    const entries = [];
    const errors = [];
    for (const f of fields) {
      if (f.locked) continue;
      if (f.kind === 'password') {
        if (f.input.value !== '') entries.push([f.col.name, JSON.stringify(f.input.value)]);
        continue;
      }
      const isNull = !!(f.nullBox && f.nullBox.checked);
      if (mode === 'edit') {
        const changed = isNull !== f.initialNull || (!isNull && currentRaw(f) !== f.initialRaw);
        if (!changed) continue;
      } else if (!isNull && (f.kind === 'bool' ? !f.dirty : f.input.value === '')) {
        continue; /* left empty: the server's default applies */
      }
      if (isNull) { entries.push([f.col.name, 'null']); continue; }
      const r = fieldJson(f);
      if (r.error) errors.push([f, r.error]); else entries.push([f.col.name, r.json]);
    }
    /* hand-built so that big integers keep all their digits */
    const body = '{' + entries.map(([k, j]) => JSON.stringify(k) + ':' + j).join(',') + '}';
    return { body, count: entries.length, errors };
  }

  function unescapePointer(tok) { return tok.replace(/~1/g, '/').replace(/~0/g, '~'); }

  function setFieldError(f, msg) {
    f.errEl.textContent = msg;
    f.errEl.hidden = false;
    f.input.setAttribute('aria-invalid', 'true');
    f.wrap.classList.add('invalid');
  }
  function clearFieldErrors(fields) {
    for (const f of fields) {
      f.errEl.textContent = '';
      f.errEl.hidden = true;
      f.input.removeAttribute('aria-invalid');
      f.wrap.classList.remove('invalid');
    }
  }

  async function formView(ctx, mode) {
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
    const general = h('div', { class: 'form-problem' });
    const submit = h('button', { type: 'submit', class: 'primary' }, mode === 'edit' ? 'Save changes' : 'Create');
    const cancelHref = mode === 'edit' ? apiToHash(selfLink) : hashOf(ctx.postPath.slice(4));
    const form = h('form', { class: 'object-form', novalidate: true, onsubmit: async (ev) => {
      ev.preventDefault();
      clearFieldErrors(fields);
      clear(general);
      const { body, count, errors } = collect(fields, mode);
      if (errors.length) {
        for (const [f, msg] of errors) setFieldError(f, msg);
        errors[0][0].input.focus();
        return;
      }
      if (mode === 'edit' && count === 0) {
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
      const unmatched = [];
      for (const e of p.errors) {
        const ptr = typeof e.pointer === 'string' ? e.pointer : '';
        const toks = ptr.split('/').slice(1).map(unescapePointer);
        const f = toks.length === 1 ? fields.find((x) => x.col.name === toks[0]) : null;
        if (f) setFieldError(f, String(e.message || 'invalid')); else unmatched.push(e);
      }
      const first = fields.find((x) => x.wrap.classList.contains('invalid'));
      let lead = null;
      if (r.status === 412) lead = 'The object changed since this form was loaded. Reload to edit the current version.';
      else if (first && !unmatched.length) lead = 'See the messages next to the fields.';
      general.appendChild(problemBox(p, unmatched, lead));
      if (r.status === 412) general.appendChild(h('p', null, h('button', { type: 'button', onclick: () => route() }, 'Reload the current version')));
      if (first) first.input.focus(); else general.focus();
      announce(p.title);
    } },
    h('p', { class: 'muted small' }, 'Fields marked * are required. ',
      mode === 'edit' ? 'Only changed fields are sent (PATCH).' : 'Empty fields are left out, so the server default applies.'),
    general,
    fields.map((f) => f.wrap),
    h('div', { class: 'actions' }, submit, cancelHref ? h('a', { class: 'button', href: cancelHref }, 'Cancel') : null));
    general.setAttribute('tabindex', '-1');
    view.appendChild(form);
    ctx.show();
  }

  boot();
})();
