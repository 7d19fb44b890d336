#!/usr/bin/env node
// validate-exchanges.js: every exchange the HTTP suites had with a server
// (recorded by tests/support/rt_record.c under RT_RECORD=DIR) checked against
// that server's /openapi.json, as ajv (JSON Schema 2020-12) reads it:
//  - the path matches a path template of the document (else: an error answer
//    in problem+json, or the explorer's / and /static/);
//  - the method is an operation there (else: an error answer, problem+json);
//  - the status is declared by the operation ("default" only stands for the
//    answers any route may give: 405, 414, 431, 500, 503);
//  - the body (JSON or text) is valid against that status's content schema
//    for the answer's media type, and empty where none is declared (204, 304);
//  - the ETag and Location headers the answer carries are declared for it;
//  - a request body the server accepted (2xx) is valid against the
//    operation's request schema.
// The document of each server is made again: the same schema (its text as
// recorded), arguments and environment, on a throwaway SQLite file, asked
// with the exchange's Authorization header (the document is the role's).
// Usage: node validate-exchanges.js DIR        (exit 1 on any mismatch)
//        node validate-exchanges.js --self-test DIR
// The self-test plants faults (a wrong answer body, an undeclared status, a
// request body with an unknown member, a document whose answer schema is
// wrong) into the recorded exchanges and fails unless each one is reported.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { startServer, fetchDocument, ajvFor, compile, errorsText } = require('./lib');

const BY_DEFAULT = new Set([405, 414, 431, 500, 503]); // answers of the server, not of an operation
const DROPPED = new Set(['--port', '--port-file', '--db', '--seed', '--static', '--schema']); // options with a value
const FLAGS = new Set(['--create-all', '--echo']);
const DROPPED_ENV = /^RESTMAP_(SCHEMA|DB|SEED|STATIC|PORT|PORT_FILE|CREATE_ALL|ECHO)=/; // the same, from the environment

function readExchanges(dir) {
  const servers = new Map(), exchanges = [];
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl')) : [];
  for (const f of files)
    for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      if (!line) continue;
      const rec = JSON.parse(line);
      if (rec.kind === 'server') servers.set(rec.server, rec);
      else exchanges.push(rec);
    }
  return { servers, exchanges };
}

// The arguments that shape the document (not the database, port, seed...).
function documentArgs(args) {
  const out = [];
  for (let i = 0; i < args.length; i++) {
    if (DROPPED.has(args[i])) i++;
    else if (!FLAGS.has(args[i]) && !/^--(port|port-file|db|seed|static|schema)=/.test(args[i])) out.push(args[i]);
  }
  return out;
}

// Documents by server configuration and Authorization, made once each.
class Documents {
  constructor() {
    this.configs = new Map();
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'restmap-exchanges-'));
  }

  key(server) {
    const schema = server.schema_text !== undefined ? server.schema_text : server.schema;
    const env = (server.env || []).filter((e) => !DROPPED_ENV.test(e));
    const hash = crypto.createHash('sha256').update(JSON.stringify([schema, documentArgs(server.args || []), env]));
    return hash.digest('hex').slice(0, 16);
  }

  async get(server, authorization) {
    const key = this.key(server);
    let config = this.configs.get(key);
    if (!config) {
      let file = server.schema;
      if (server.schema_text !== undefined) {
        file = path.join(this.tmp, `${key}-${path.basename(server.schema || 'schema.json')}`);
        fs.writeFileSync(file, server.schema_text);
      }
      const env = Object.fromEntries((server.env || []).filter((e) => !DROPPED_ENV.test(e))
        .map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
      config = { file, args: documentArgs(server.args || []), env, docs: new Map() };
      this.configs.set(key, config);
    }
    const auth = authorization || '';
    if (!config.docs.has(auth)) {
      const srv = await startServer(config.file, config.args, config.env);
      try {
        let doc;
        try {
          doc = await fetchDocument(srv.url, auth);
        } catch (e) { // a token the server refuses (expired, forged): the anonymous document
          doc = await fetchDocument(srv.url, '');
        }
        config.docs.set(auth, { doc, ajv: ajvFor(doc), validators: new Map(), templates: templatesOf(doc) });
      } finally {
        await srv.stop();
      }
    }
    return config.docs.get(auth);
  }

  close() { fs.rmSync(this.tmp, { recursive: true, force: true }); }
}

// The path templates as regular expressions, the most literal first
// ("/api/users/_query" before "/api/users/{id}").
function templatesOf(doc) {
  return Object.keys(doc.paths).map((t) => ({
    template: t,
    literals: t.split('/').filter((s) => s && !s.startsWith('{')).length,
    re: new RegExp(`^${t.split('/').map((s) => (s.startsWith('{') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}/?$`),
  })).sort((a, b) => b.literals - a.literals);
}

function validator(entry, s) {
  const key = JSON.stringify(s);
  if (!entry.validators.has(key)) entry.validators.set(key, compile(entry.ajv, s));
  return entry.validators.get(key);
}

function resolve(doc, node) {
  while (node && node.$ref) node = node.$ref.slice(2).split('/').reduce((n, k) => n[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  return node;
}

function mediaType(ct) { return (ct || '').split(';')[0].trim().toLowerCase(); }

function parseBody(x, text) {
  if (mediaType(x.content_type).endsWith('json')) return JSON.parse(text);
  return text;
}

// The mismatches of one exchange against its document (empty: it conforms);
// counts what was checked into stats.
function checkExchange(entry, x, stats) {
  const doc = entry.doc, problems = [];
  const pathOnly = x.path.split('?')[0];
  const method = x.method === 'HEAD' ? 'get' : x.method === 'QUERY' ? 'x-query' : x.method.toLowerCase();
  const hit = entry.templates.find((t) => t.re.test(pathOnly));
  const problemAnswer = (why) => {
    if (x.status < 400) return [`${why}, yet answered ${x.status}`];
    if (x.method === 'HEAD' || x.body === null || x.body === '') return [];
    const v = validator(entry, { $ref: '#/components/schemas/Problem' });
    if (mediaType(x.content_type) !== 'application/problem+json') return [`${why}: ${x.status} is not problem+json`];
    stats.problems++;
    return v(JSON.parse(x.body)) ? [] : [`${why}: the problem does not fit Problem: ${errorsText(v.errors)}`];
  };
  if (x.method === 'OPTIONS') {
    stats.options++;
    return x.status === 204 || x.status >= 400 ? (x.status >= 400 ? problemAnswer('OPTIONS') : []) : [`OPTIONS answered ${x.status}`];
  }
  if (!hit) {
    if (pathOnly === '/' || pathOnly.startsWith('/static/') || pathOnly === '/static') { stats.explorer++; return []; }
    stats.unmatched++;
    return problemAnswer(`no path of the document matches ${pathOnly}`);
  }
  const op = doc.paths[hit.template][method];
  if (!op) {
    stats.undocumented++;
    return problemAnswer(`${hit.template} has no ${method} operation`);
  }
  const code = String(x.status);
  let answer = op.responses[code] || op.responses[`${code[0]}XX`];
  if (!answer && op.responses.default && BY_DEFAULT.has(x.status)) answer = op.responses.default;
  if (!answer) return [`${x.method} ${hit.template}: status ${x.status} is not declared`];
  answer = resolve(doc, answer);
  stats.responses++;
  const declared = Object.keys(answer.headers || {}).map((h) => h.toLowerCase());
  for (const h of ['etag', 'location'])
    if (x.headers[h] !== undefined && !declared.includes(h)) problems.push(`header ${h} is not declared for ${x.status}`);
  for (const [h, spec] of Object.entries(answer.headers || {}))
    if (resolve(doc, spec).required && x.headers[h.toLowerCase()] === undefined)
      problems.push(`the required header ${h} is missing`);
  const body = x.body === null ? '' : x.body;
  if (x.body_truncated) stats.truncated++;
  else if (!answer.content) {
    if (body !== '') problems.push(`${x.status} declares no content, yet has ${body.length} bytes`);
  } else if (x.method !== 'HEAD') {
    const media = answer.content[mediaType(x.content_type)];
    if (!media) problems.push(`content type ${x.content_type} is not declared for ${x.status}`);
    else {
      let value;
      try {
        value = parseBody(x, body);
      } catch (e) {
        problems.push(`the body does not parse: ${e.message}`);
      }
      if (value !== undefined) {
        const v = validator(entry, media.schema);
        stats.bodies++;
        if (!v(value)) problems.push(`the ${x.status} answer does not fit its schema: ${errorsText(v.errors)}`);
      }
    }
  }
  if (x.status >= 200 && x.status < 300 && x.request_body !== null && x.request_body !== '') {
    if (x.request_truncated) stats.truncated++;
    else if (!op.requestBody) stats.unread++;
    else {
      const rb = resolve(doc, op.requestBody);
      const media = rb.content[mediaType(x.request_headers['content-type'])];
      if (!media) problems.push(`request content type ${x.request_headers['content-type']} is not declared`);
      else {
        const v = validator(entry, media.schema);
        stats.requests++;
        let value;
        try {
          value = JSON.parse(x.request_body);
        } catch (e) {
          problems.push(`an accepted request body does not parse: ${e.message}`);
        }
        if (value !== undefined && !v(value))
          problems.push(`the accepted request body does not fit its schema: ${errorsText(v.errors)}`);
      }
    }
  }
  return problems;
}

function newStats() {
  return { exchanges: 0, responses: 0, bodies: 0, requests: 0, problems: 0, options: 0, unmatched: 0,
    undocumented: 0, explorer: 0, truncated: 0, unread: 0, mismatches: 0 };
}

function schemaLabel(server) {
  if (!server || !server.schema) return '(no schema)';
  const rel = path.relative(path.resolve(__dirname, '..', '..'), server.schema);
  return rel.startsWith('..') ? `${path.basename(server.schema)} (a test's own file)` : rel;
}

async function validateAll(servers, exchanges, documents, report) {
  const bySchema = new Map();
  let mismatches = 0;
  for (const x of exchanges) {
    const server = servers.get(x.server);
    const label = schemaLabel(server);
    if (!bySchema.has(label)) bySchema.set(label, newStats());
    const stats = bySchema.get(label);
    stats.exchanges++;
    if (!server) {
      report(`${x.method} ${x.path} -> ${x.status}: no server record for ${x.server}`);
      mismatches++;
      continue;
    }
    let problems;
    try {
      problems = checkExchange(await documents.get(server, x.request_headers.authorization), x, stats);
    } catch (e) {
      problems = [`no document: ${e.message}`];
    }
    for (const p of problems) {
      const body = (x.body || '').slice(0, 300), req = (x.request_body || '').slice(0, 300);
      report(`[${label}] ${x.method} ${x.path} -> ${x.status}: ${p}\n    request: ${req}\n    answer: ${body}`);
    }
    if (problems.length) stats.mismatches++;
    mismatches += problems.length;
  }
  return { bySchema, mismatches };
}

async function selfTest(servers, exchanges, documents) {
  // the first exchanges of each kind the faults need
  const ok = (x) => servers.has(x.server) && !x.body_truncated && !x.request_truncated;
  const listed = exchanges.find((x) => ok(x) && x.method === 'GET' && x.status === 200 && /^\/api\/[a-z_]+$/.test(x.path));
  const created = exchanges.find((x) => ok(x) && x.method === 'POST' && x.status === 201 && /^\/api\/[a-z_]+$/.test(x.path) &&
    x.request_body && x.request_body.startsWith('{'));
  const read = exchanges.find((x) => ok(x) && x.method === 'GET' && x.status === 200 && /^\/api\/[a-z_]+\/[^/?]+$/.test(x.path) &&
    x.headers.etag);
  if (!listed || !created || !read) throw new Error('the recorded exchanges lack a GET list 200, a GET object 200 or a POST 201 to plant faults in');
  const faults = [
    ['a list answer whose data is not an array', { ...listed, body: '{"data": 5, "meta": {"limit": 1, "offset": 0}, "links": {"self": "/"}}' }],
    ['a status the operation does not declare', { ...listed, status: 299 }],
    ['an accepted request body with an unknown member', { ...created, request_body: JSON.stringify({ ...JSON.parse(created.request_body), no_such_member_zz: 1 }) }],
    ['an undeclared header', { ...listed, headers: { ...listed.headers, location: '/api/x/1' } }],
    ['a required header missing', { ...read, headers: { ...read.headers, etag: undefined } }],
  ];
  let missed = 0;
  for (const [what, x] of faults) {
    const lines = [];
    const { mismatches } = await validateAll(servers, [x], documents, (l) => lines.push(l));
    console.log(`self-test: ${what}: ${mismatches ? 'reported' : 'NOT reported'}${lines.length ? `: ${lines[0].split('\n')[0]}` : ''}`);
    if (!mismatches) missed++;
  }
  // a wrong document: the list's answer schema says the rows are strings
  const entry = await documents.get(servers.get(listed.server), listed.request_headers.authorization);
  const wrong = structuredClone(entry.doc);
  const template = entry.templates.find((t) => t.re.test(listed.path.split('?')[0])).template;
  wrong.paths[template].get.responses['200'].content['application/json'].schema = { type: 'string' };
  const stats = newStats();
  const found = checkExchange({ doc: wrong, ajv: require('./lib').ajvFor(wrong), validators: new Map(), templates: entry.templates },
    listed, stats);
  console.log(`self-test: a document whose answer schema is wrong: ${found.length ? 'reported' : 'NOT reported'}`);
  if (!found.length) missed++;
  return missed;
}

async function main() {
  const argv = process.argv.slice(2);
  const self = argv[0] === '--self-test';
  const dir = self ? argv[1] : argv[0];
  if (!dir) throw new Error('usage: validate-exchanges.js [--self-test] DIR');
  const { servers, exchanges } = readExchanges(dir);
  if (!exchanges.length) throw new Error(`no exchanges recorded in ${dir} (run the suites with RT_RECORD=${dir})`);
  const documents = new Documents();
  try {
    if (self) {
      const missed = await selfTest(servers, exchanges, documents);
      console.log(`validate-exchanges --self-test: ${missed} planted faults missed`);
      return missed ? 1 : 0;
    }
    const { bySchema, mismatches } = await validateAll(servers, exchanges, documents, (l) => console.log(l));
    let total = 0, bodies = 0, requests = 0;
    for (const [label, s] of [...bySchema].sort()) {
      console.log(`${label}: ${s.exchanges} exchanges, ${s.responses} answers by their operation (${s.bodies} bodies), ` +
        `${s.requests} request bodies, ${s.problems} problem answers elsewhere (${s.unmatched} no path, ` +
        `${s.undocumented} no operation), ${s.options} OPTIONS, ${s.explorer} explorer, ${s.truncated} too large to ` +
        `record, ${s.unread} bodies the operation does not read; ${s.mismatches} with mismatches`);
      total += s.exchanges;
      bodies += s.bodies;
      requests += s.requests;
    }
    console.log(`validate-exchanges: ${total} exchanges of ${servers.size} servers (${documents.configs.size} ` +
      `configurations), ${bodies} answer bodies and ${requests} request bodies validated, ${mismatches} mismatches`);
    return mismatches ? 1 : 0;
  } finally {
    documents.close();
  }
}

main().then((code) => process.exit(code), (e) => {
  console.error(`validate-exchanges: ${e.stack || e}`);
  process.exit(1);
});
