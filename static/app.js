/* restmap explorer: a small hash-routed browser for the JSON API under
 * /api, and an API page built from /openapi.json. Plain ES modules under
 * /static/js/, one job each; no build step, nothing from the network.
 *
 * Routes (the part after "#" mirrors the API path without "/api"):
 *   #/                          resources from GET /api
 *   #/~api                      the API page (apipage.js)
 *   #/{res}[?query]             list (list.js; query passed to the API)
 *   #/{res}/~new                create form (form.js, POST /api/{res})
 *   #/{res}/{id}                one object (object.js)
 *   #/{res}/{id}/~edit          edit form (PATCH /api/{res}/{id}, If-Match: its ETag)
 *   #/{res}/{id}/{rel}[?query]  related rows: a list, or one object for a to-one
 *   #/{res}/{id}/{rel}/~new     create and add to that collection (POST .../{rel})
 *
 * The header shows the last request's statements and time (Server-Timing). */
import { h, clear, nextId } from './js/dom.js';
import { onRequest, problemOf, getToken, setToken } from './js/http.js';
import { problemBox } from './js/problem.js';
import { enc, dec, hashOf, parseQuery } from './js/hash.js';
import { state, loadSchema, relOf, metaOfEntity } from './js/schema.js';
import { listView } from './js/list.js';
import { objectView } from './js/object.js';
import { formView } from './js/form.js';
import { apiPage } from './js/apipage.js';

const main = document.getElementById('main');
const navList = document.getElementById('resource-list');
const nav = { token: 0, lastRoute: '' };

/* "GET /api/users → 200: 2 statements, 0.4 ms in the database, 5 ms in all" */
function showTiming(info) {
  const el = document.getElementById('timing');
  if (!el) return;
  const path = info.url.replace(/\?.*$/, '');
  const db = info.queries !== null
    ? info.queries + (info.queries === 1 ? ' statement' : ' statements') + (info.ms !== null ? ', ' + info.ms + ' ms in the database' : '')
    : 'no Server-Timing';
  el.textContent = info.method + ' ' + path + ' → ' + (info.status || 'failed') + ': ' + db + ', ' + info.total + ' ms in all';
  el.title = info.method + ' ' + info.url;
  el.dataset.queries = info.queries === null ? '' : String(info.queries);
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
            c.read_only && 'read-only', c.write_only && 'write-only',
          Array.isArray(c.choices) && 'choices: ' + c.choices.join(' | ')].filter(Boolean).join(', ')))))),
      r.relationships.length ? h('p', { class: 'rels' }, 'Relationships: ', r.relationships.map((rel, i) => [
        i ? ', ' : '', h('code', null, rel.name), ' → ', linkToEntity(rel.target),
        h('span', { class: 'muted small' }, ' (', String(rel.direction || ''), rel.lazy ? ', ' + rel.lazy : '', ')')])) : null));
  }
}

function linkToEntity(entity) {
  const m = metaOfEntity(entity);
  return m ? h('a', { href: hashOf('/' + enc(m.name)) }, String(entity)) : String(entity);
}

function markNav(resName) {
  for (const a of navList.querySelectorAll('a')) {
    if (a.getAttribute('data-res') === resName) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const al = document.getElementById('api-link');
  if (al && resName === '~api') al.setAttribute('aria-current', 'page');
  else if (al) al.removeAttribute('aria-current');
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
  const token = ++nav.token;
  const alive = () => token === nav.token;
  const { segs, params } = parseHash();
  const view = h('div', { class: 'view' });
  const routeKey = segs.join('/');
  const moved = routeKey !== nav.lastRoute;
  nav.lastRoute = routeKey;
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
  if (segs.length === 1 && segs[0] === '~api') {
    markNav('~api');
    document.title = 'restmap · API';
    return apiPage({ view, alive, show });
  }

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


/* --------------------------------------------------------------- boot */

async function boot() {
  onRequest(showTiming);
  document.getElementById('skip-link').addEventListener('click', (ev) => {
    ev.preventDefault();
    main.focus();
  });
  const failed = await loadSchema();
  if (failed) {
    clear(navList);
    navList.appendChild(h('li', { class: 'muted' }, 'unavailable'));
    clear(main);
    main.appendChild(h('h1', null, 'restmap explorer'));
    main.appendChild(problemBox(problemOf(failed), undefined, 'GET /api failed.'));
    /* a token the server refuses (expired, another secret) refuses every
     * request, the API page's too: offer to forget it */
    if (getToken()) {
      main.appendChild(h('p', null, 'The requests carry the bearer token typed on the API page. ',
        h('button', { type: 'button', onclick: () => { setToken(''); location.reload(); } }, 'Forget the bearer token')));
    }
    return;
  }
  clear(navList);
  for (const r of state.resources) {
    navList.appendChild(h('li', null, h('a', { href: hashOf('/' + enc(r.name)), 'data-res': r.name }, r.name)));
  }
  window.addEventListener('hashchange', route);
  route();
}

boot();
