// lib.js: what validate-docs.js and validate-exchanges.js share: starting
// build/restmap on a throwaway SQLite file, fetching /openapi.json, and an
// ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1) that knows the
// OpenAPI vocabulary and formats the documents use.
'use strict';

const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const Ajv2020 = require('ajv/dist/2020');
const addFormats = require('ajv-formats');

const ROOT = path.resolve(__dirname, '..', '..');

function binary() {
  const bin = path.resolve(ROOT, process.env.RESTMAP_BIN || 'build/restmap');
  if (!fs.existsSync(bin)) throw new Error(`no restmap binary at ${bin} (build it first, or set RESTMAP_BIN)`);
  return bin;
}

// Servers still running when node exits (an exception, a closed pipe) are
// stopped with it, never left behind.
const running = new Map(); // child process -> its directory
process.on('exit', () => {
  for (const [child, dir] of running) {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// Start restmap with --schema schema and extra args/env on a new SQLite
// file; resolves to {url, stop()} once it prints "listening on".
function startServer(schema, args = [], env = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'restmap-openapi-'));
  const argv = ['--schema', schema, '--db', `sqlite:///${path.join(dir, 'doc.db')}`, '--create-all', '--port', '0',
    ...args];
  const childEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RESTMAP_')));
  const child = spawn(binary(), argv, { cwd: dir, env: { ...childEnv, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  running.set(child, dir);
  child.on('exit', () => running.delete(child));
  let stderr = '';
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      fs.rmSync(dir, { recursive: true, force: true });
      resolve();
      return;
    }
    child.once('exit', () => {
      fs.rmSync(dir, { recursive: true, force: true });
      resolve();
    });
    child.kill('SIGTERM');
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`restmap did not start in 20 s: ${stderr}`));
    }, 20000);
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const m = /listening on (http:\/\/[^\s]+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], stop });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!/listening on/.test(stderr)) {
        fs.rmSync(dir, { recursive: true, force: true });
        reject(new Error(`restmap exited with ${code}: ${stderr.trim()}`));
      }
    });
  });
}

// GET url/openapi.json (with an Authorization header when given): the document.
async function fetchDocument(url, authorization) {
  const headers = authorization ? { Authorization: authorization } : {};
  const res = await fetch(`${url}/openapi.json`, { headers });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`/openapi.json answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

// An ajv for one document: its components are reachable as
// "doc#/$defs/components/..." (rebase turns the document's own "$ref"s
// into those). strictRequired is off: "required" in an anyOf branch names
// properties its siblings define.
function ajvFor(doc) {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, strictTypes: false, strictTuples: false,
    validateFormats: true });
  addFormats(ajv);
  ajv.addVocabulary(['discriminator', 'xml', 'externalDocs', 'example']); // OpenAPI's own keywords
  ajv.addFormat('decimal', /^-?[0-9]+(\.[0-9]+)?$/); // numeric columns, carried as strings
  ajv.addSchema({ $id: 'doc', $defs: { components: rebase(doc.components) } });
  return ajv;
}

// A validator of the schema s (of that document); s's "$ref"s into the
// document resolve through ajvFor's copy of its components.
function compile(ajv, s) {
  return ajv.compile({ $id: `s${compile.n = (compile.n || 0) + 1}`, ...rebase(s) });
}

// s with its "#/..." references pointing into ajvFor's copy of the document.
function rebase(s) {
  if (Array.isArray(s)) return s.map(rebase);
  if (!s || typeof s !== 'object') return s;
  const out = {};
  for (const [k, v] of Object.entries(s))
    out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `doc#/$defs/${v.slice(2)}` : rebase(v);
  return out;
}

function errorsText(errors) {
  return (errors || []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}` +
    (e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : '')).join('; ');
}

// The example schemas: schemas/*.json but their seeds.
function exampleSchemas() {
  const dir = path.join(ROOT, 'schemas');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.seed.json')).sort()
    .map((f) => path.join(dir, f));
}

module.exports = { ROOT, startServer, fetchDocument, ajvFor, compile, errorsText, exampleSchemas };
