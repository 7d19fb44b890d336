/* http.js: requests to the API. Every answer's Server-Timing header
 * (db;desc="K queries";dur=MS, server/) is read and shown as the last
 * request's statement count and time; a bearer token typed on the API page
 * (kept in sessionStorage) goes with every request. Problems
 * (application/problem+json) become {status, title, detail, errors}. */
import { parseJson } from './json.js';

const TOKEN_KEY = 'restmap.token';
const listeners = [];

export function getToken() {
  try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch (e) { return ''; }
}
export function setToken(t) {
  try { if (t) sessionStorage.setItem(TOKEN_KEY, t); else sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* storage off */ }
}

/* {queries, ms} of a Server-Timing value, or null. */
export function parseServerTiming(value) {
  if (!value) return null;
  for (const part of value.split(',')) {
    const m = /^\s*db\s*;(.*)$/.exec(part);
    if (!m) continue;
    const q = /desc\s*=\s*"?(\d+) quer/.exec(m[1]);
    const d = /dur\s*=\s*([0-9.]+)/.exec(m[1]);
    return { queries: q ? Number(q[1]) : null, ms: d ? Number(d[1]) : null };
  }
  return null;
}

/* Called with {method, url, status, queries, ms, total} after each request. */
export function onRequest(fn) { listeners.push(fn); }
export function noteRequest(method, url, res, started) {
  const t = parseServerTiming(res ? res.headers.get('Server-Timing') : null);
  const info = { method, url, status: res ? res.status : 0, queries: t ? t.queries : null, ms: t ? t.ms : null,
    total: Math.round(performance.now() - started) };
  for (const fn of listeners) fn(info);
}

export function authHeaders(token = getToken()) {
  return token ? { Authorization: 'Bearer ' + token } : {};
}

export async function api(method, url, opts = {}) {
  const headers = { Accept: 'application/json, application/problem+json', ...authHeaders(), ...(opts.headers || {}) };
  const init = { method, headers, cache: 'no-store', credentials: 'same-origin' };
  if (opts.body !== undefined) {
    init.body = opts.body;
    headers['Content-Type'] = 'application/json';
  }
  const started = performance.now();
  let res;
  try {
    res = await fetch(url, init);
  } catch (e) {
    noteRequest(method, url, null, started);
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
  noteRequest(method, url, res, started);
  return {
    status: res.status, ok: res.ok, data,
    etag: res.headers.get('ETag'),
    location: res.headers.get('Location'),
    requestId: res.headers.get('X-Request-Id'),
  };
}

export function problemOf(resp) {
  const d = resp.data && typeof resp.data === 'object' && !Array.isArray(resp.data) ? resp.data : {};
  return {
    status: d.status || resp.status,
    title: d.title || (resp.status ? 'HTTP ' + resp.status : 'Error'),
    detail: typeof d.detail === 'string' ? d.detail : '',
    errors: Array.isArray(d.errors) ? d.errors.filter((e) => e && typeof e === 'object') : [],
    requestId: d.request_id || resp.requestId || '',
  };
}
