/* export.js: the rows of a list, all pages, as a JSON or CSV download. The
 * list's filter, shorthand, sort, fields and include are kept; pages are
 * read one after the other by following links.next, and each page is
 * written as one chunk of the file (a Blob of chunks), so no page is
 * parsed twice and the text is never built as one string. CSV follows
 * RFC 4180: CRLF line ends, fields with a comma, quote, CR or LF quoted,
 * quotes doubled; null is an empty field, other non-strings their JSON. */
import { api, problemOf } from './http.js';
import { buildQuery } from './hash.js';
import { download } from './dom.js';
import { pageLimit } from './schema.js';

const PAGE = 500;
const DROP = new Set(['cursor', 'offset', 'limit', 'count', 'facet', 'facet_size']);

export function csvField(v) {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}
export function csvLine(values) { return values.map(csvField).join(',') + '\r\n'; }

/* The query of the export's first page: the list's query without paging,
 * counts and facets, with a large page. */
export function exportQuery(params, limit) {
  const pairs = params.filter(([k]) => !DROP.has(k) && !k.startsWith('count['));
  if (limit) pairs.push(['limit', String(limit)]);
  return pairs;
}

/* Write every page of apiPath?params, rows of meta's resource (it names
 * the file), as format ('json' or 'csv') with the given columns (names,
 * for CSV), in pages of PAGE rows or the resource's max_page_size when
 * smaller. progress(rows) after each page; cancelled() stops between
 * pages. Resolves to {rows} or {problem}. */
export async function exportAll({ apiPath, params, columns, format, meta, progress, cancelled }) {
  let resp = await api('GET', apiPath + '?' + buildQuery(exportQuery(params, pageLimit(meta, PAGE))));
  const chunks = [format === 'csv' ? csvLine(columns) : '['];
  let rows = 0;
  for (;;) {
    if (!resp.ok || !resp.data || !Array.isArray(resp.data.data)) return { problem: problemOf(resp) };
    const page = resp.data.data;
    if (format === 'csv') chunks.push(page.map((row) => csvLine(columns.map((c) => row[c]))).join(''));
    else if (page.length) chunks.push((rows ? ',\n' : '\n') + page.map((row) => JSON.stringify(row)).join(',\n'));
    rows += page.length;
    if (progress) progress(rows);
    const next = resp.data.links && resp.data.links.next;
    if (typeof next !== 'string' || !next.startsWith('/api/') || !page.length) break;
    if (cancelled && cancelled()) return { rows, cancelled: true };
    resp = await api('GET', next);
  }
  if (format !== 'csv') chunks.push('\n]\n');
  download(meta.name + (format === 'csv' ? '.csv' : '.json'), format === 'csv' ? 'text/csv' : 'application/json', chunks);
  return { rows };
}
