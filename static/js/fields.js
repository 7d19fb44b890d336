/* fields.js: one form field per column, its input typed by the column:
 * number (integer, float, numeric), date, datetime-local (UTC), checkbox
 * (boolean), select (choices, and nullable booleans, with an empty choice
 * where empty is allowed), textarea (json, text), password (write-only).
 *
 * One rule for Create and Edit: an empty input means "no value". On create
 * it is left out of the body (the server's default applies, or the server
 * says the field is required); on edit a field changed to empty is sent as
 * null (the server says when the column must not be null). What else an
 * input shows is sent as shown: on create every non-empty field, on edit
 * every changed one. */
import { h, nextId } from './dom.js';
import { parseJson, prettyJson } from './json.js';
import { typeLabel, isRequired } from './schema.js';

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
const NUMBER_TYPES = new Set(['integer', 'bigint', 'float']);

function inputKind(col) {
  if (col.write_only) return 'password';
  if (Array.isArray(col.choices) && col.choices.length) return 'select';
  if (col.type === 'boolean') return col.nullable ? 'tristate' : 'bool';
  if (col.type === 'json') return 'json';
  if (col.type === 'text') return 'textarea';
  if (col.type === 'integer' || col.type === 'float' || col.type === 'numeric') return 'number';
  if (col.type === 'date') return 'date';
  if (col.type === 'datetime') return 'datetime';
  return 'text';
}

/* A stored date-time ("2024-01-02T03:04:05.5Z", UTC) as a datetime-local value. */
function localOf(v) {
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return String(v);
  return d.toISOString().replace(/Z$/, '').replace(/\.000$/, '');
}

function rawOf(kind, v) {
  if (v === null || v === undefined) return '';
  if (kind === 'bool') return String(v === true);
  if (kind === 'json') return prettyJson(v);
  if (kind === 'datetime') return localOf(v);
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/* The raw text of a field now ("" = empty). */
export function currentRaw(f) { return f.kind === 'bool' ? String(f.input.checked) : f.input.value; }

function buildInput(f, id, described, mode) {
  const { col, kind } = f;
  const common = { id, 'aria-describedby': described, name: col.name };
  if (kind === 'bool') return h('input', { type: 'checkbox', ...common, checked: f.initialRaw === 'true' });
  if (kind === 'select' || kind === 'tristate') {
    const values = kind === 'tristate' ? ['true', 'false'] : col.choices.map((c) => (typeof c === 'string' ? c : JSON.stringify(c)));
    const empty = col.nullable || mode === 'create';
    const opts = values.map((v) => h('option', { value: v }, v));
    return h('select', common, empty ? h('option', { value: '' }, col.nullable ? '— null —' : '— none —') : null, opts,
      values.includes(f.initialRaw) || f.initialRaw === '' ? null : h('option', { value: f.initialRaw }, f.initialRaw));
  }
  if (kind === 'json' || kind === 'textarea') {
    return h('textarea', { ...common, rows: kind === 'json' ? '5' : '4', class: kind === 'json' ? 'code' : null,
      spellcheck: kind === 'json' ? 'false' : null });
  }
  const type = { password: 'password', number: 'number', date: 'date', datetime: 'datetime-local' }[kind] || 'text';
  return h('input', {
    ...common, type,
    step: kind === 'number' ? (col.type === 'integer' ? '1' : 'any') : kind === 'datetime' ? 'any' : null,
    min: typeof col.minimum === 'number' ? String(col.minimum) : null,
    max: typeof col.maximum === 'number' ? String(col.maximum) : null,
    maxlength: typeof col.maxLength === 'number' && type === 'text' ? String(col.maxLength) : null,
    autocomplete: kind === 'password' ? 'new-password' : 'off',
    inputmode: col.type === 'bigint' ? 'numeric' : null,
    placeholder: kind === 'password' ? (mode === 'edit' ? 'unchanged unless you type one' : '')
      : f.locked && mode === 'create' ? 'set by the server'
        : mode === 'create' && col.primary_key ? 'generated when left empty'
          : col.type === 'uuid' ? '00000000-0000-0000-0000-000000000000' : null,
  });
}

export function makeField(col, obj, mode) {
  const id = nextId('f');
  const kind = inputKind(col);
  const locked = !!col.read_only || (mode === 'edit' && !!col.primary_key);
  const has = obj && Object.prototype.hasOwnProperty.call(obj, col.name);
  let initial = has ? obj[col.name] : undefined;
  if (mode === 'create' && (kind === 'bool' || kind === 'select') && col.hasDefault) initial = col.default;
  const f = { col, kind, locked, initialRaw: kind === 'password' ? '' : rawOf(kind, initial) };
  if (kind === 'bool' && f.initialRaw === '') f.initialRaw = 'false';
  const errId = id + '-err';
  const hintId = id + '-hint';
  f.input = buildInput(f, id, hintId + ' ' + errId, mode);
  if (kind !== 'bool' && kind !== 'password') f.input.value = f.initialRaw;
  if (locked) {
    if (kind === 'bool' || kind === 'select' || kind === 'tristate') f.input.disabled = true; else f.input.readOnly = true;
    f.input.classList.add('locked');
  }
  f.errEl = h('p', { class: 'field-error', id: errId, hidden: true });
  const required = mode === 'create' ? isRequired(col) : !col.nullable && !col.primary_key && !col.read_only && !col.write_only;
  if (required && !locked) f.input.setAttribute('aria-required', 'true');
  const label = h('label', { for: id }, col.name, required && !locked ? h('span', { class: 'req', title: 'required' }, ' *') : null);
  const hint = h('span', { class: 'hint', id: hintId }, typeLabel(col), kind === 'datetime' ? ' (UTC)' : '',
    !locked && kind !== 'bool' && kind !== 'password' ? (mode === 'create' ? ' — empty: left out' : col.nullable ? ' — empty: null' : '') : '');
  f.wrap = h('div', { class: 'form-row' + (kind === 'bool' ? ' bool' : '') + (locked ? ' is-locked' : ''), 'data-field': col.name },
    label, h('div', { class: 'control' }, kind === 'bool' ? h('span', { class: 'inline' }, f.input) : f.input, hint, f.errEl));
  return f;
}

/* The JSON text of a field's non-empty value, or {error}. */
function fieldJson(f, raw) {
  const t = raw.trim();
  switch (f.kind) {
    case 'bool': case 'tristate': return { json: raw === 'true' ? 'true' : 'false' };
    case 'json':
      try { return { json: JSON.stringify(parseJson(raw)) }; } catch (e) { return { error: 'not valid JSON: ' + e.message }; }
    case 'datetime': return { json: JSON.stringify(/[zZ]|[+-]\d\d:\d\d$/.test(t) ? t : t + 'Z') };
    default: break;
  }
  /* a number as typed (an integer column's 1.5 too: the server says it must be an integer) */
  if (NUMBER_TYPES.has(f.col.type) && JSON_NUMBER.test(t)) return { json: t };
  if (f.kind === 'select' && f.col.choices.some((c) => typeof c !== 'string')) {
    const c = f.col.choices.find((x) => JSON.stringify(x) === raw);
    if (c !== undefined) return { json: JSON.stringify(c) };
  }
  return { json: JSON.stringify(raw) }; /* the server validates everything else */
}

/* The body of the form as JSON text (hand-built: big integers keep their
 * digits), the names it holds, and the fields whose text is not a value. */
export function collect(fields, mode) {
  const entries = [];
  const errors = [];
  for (const f of fields) {
    if (f.locked) continue;
    const raw = currentRaw(f);
    if (f.kind === 'password') {
      if (raw !== '') entries.push([f.col.name, JSON.stringify(raw)]);
      continue;
    }
    if (f.kind === 'number' && f.input.validity && f.input.validity.badInput) { errors.push([f, 'not a number']); continue; }
    const empty = f.kind !== 'json' && f.kind !== 'textarea' ? raw.trim() === '' : raw === '';
    if (mode === 'edit' && raw === f.initialRaw) continue;
    if (empty) {
      if (mode === 'edit') entries.push([f.col.name, 'null']);
      continue;
    }
    const r = fieldJson(f, raw);
    if (r.error) errors.push([f, r.error]); else entries.push([f.col.name, r.json]);
  }
  const body = '{' + entries.map(([k, j]) => JSON.stringify(k) + ':' + j).join(',') + '}';
  return { body, names: entries.map(([k]) => k), errors };
}

export function setFieldError(f, msg) {
  f.errEl.hidden = false;
  f.errEl.textContent = f.errEl.textContent ? f.errEl.textContent + '; ' + msg : msg;
  f.input.setAttribute('aria-invalid', 'true');
  f.wrap.classList.add('invalid');
}
export function clearFieldErrors(fields) {
  for (const f of fields) {
    f.errEl.textContent = '';
    f.errEl.hidden = true;
    f.input.removeAttribute('aria-invalid');
    f.wrap.classList.remove('invalid');
  }
}
