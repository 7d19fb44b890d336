#!/usr/bin/env node
// validate-docs.js: the /openapi.json of every example schema (schemas/*.json),
// served by build/restmap on a throwaway SQLite file, with access control off
// and on (--jwt-secret), must
//  - validate as OpenAPI 3.1 with swagger-parser (the specification's own
//    schema, and every $ref resolving);
//  - have every schema in it compile with ajv (JSON Schema 2020-12, strict:
//    no unknown keyword, no unknown format);
//  - give each operation a tag, a summary and a unique operationId, each
//    tag being listed; every /api operation's body and answers described;
//  - have components.securitySchemes bearer JWT and security on the /api
//    operations exactly when access control is on.
// Usage: node validate-docs.js [schema.json ...] (default: every example);
//        node validate-docs.js --self-test (planted faults must be reported).
// Exits 1 on any failure, naming the schema and what is wrong.
'use strict';

const SwaggerParser = require('@apidevtools/swagger-parser');
const { startServer, fetchDocument, ajvFor, compile, exampleSchemas } = require('./lib');

const SECRET = 'openapi-validation-secret-0123456789abcdef';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace', 'x-query'];

// Every schema object of the document (components and inline), with where it is.
function* schemasIn(node, where) {
  if (!node || typeof node !== 'object') return;
  if (node.schema && typeof node.schema === 'object') yield [node.schema, `${where}/schema`];
  for (const [k, v] of Object.entries(node)) if (k !== 'schema') yield* schemasIn(v, `${where}/${k}`);
}

// The problems of one document (an empty list: none).
async function check(doc, access) {
  const problems = [];
  try {
    await SwaggerParser.validate(structuredClone(doc));
  } catch (e) {
    problems.push(`swagger-parser: ${e.message}`);
  }
  const ajv = ajvFor(doc);
  let compiled = 0;
  for (const [name, s] of Object.entries(doc.components.schemas)) {
    try {
      compile(ajv, s);
      compiled++;
    } catch (e) {
      problems.push(`components.schemas.${name}: ${e.message}`);
    }
  }
  for (const [s, where] of schemasIn(doc.paths, '#/paths')) {
    try {
      compile(ajv, s);
      compiled++;
    } catch (e) {
      problems.push(`${where}: ${e.message}`);
    }
  }
  const tags = new Set((doc.tags || []).map((t) => t.name)), ids = new Set();
  let operations = 0;
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) {
      const op = item[m];
      if (!op) continue;
      operations++;
      const at = `${m.toUpperCase()} ${p}`;
      if (!op.summary) problems.push(`${at}: no summary`);
      if (!op.operationId) problems.push(`${at}: no operationId`);
      else if (ids.has(op.operationId)) problems.push(`${at}: operationId ${op.operationId} repeated`);
      ids.add(op.operationId);
      if (!op.tags || op.tags.length !== 1 || !tags.has(op.tags[0])) problems.push(`${at}: not one listed tag`);
      const success = Object.keys(op.responses || {}).filter((s) => /^2/.test(s));
      if (success.length !== 1) problems.push(`${at}: ${success.length} success answers`);
      const api = p.startsWith('/api');
      if (access && !op.security) problems.push(`${at}: no security with access control on`);
      if (!access && op.security) problems.push(`${at}: security with access control off`);
      if (access && !op.responses['401']) problems.push(`${at}: no 401`);
      if (access && api && !op.responses['403']) problems.push(`${at}: no 403`);
    }
  }
  const bearer = doc.components.securitySchemes && doc.components.securitySchemes.bearerAuth;
  if (access && !(bearer && bearer.scheme === 'bearer' && bearer.bearerFormat === 'JWT'))
    problems.push('no bearer JWT security scheme with access control on');
  if (!access && doc.components.securitySchemes) problems.push('a security scheme with access control off');
  for (const p of ['/api', '/healthz', '/metrics', '/openapi.json', '/api/_batch'])
    if (!doc.paths[p]) problems.push(`no path ${p}`);
  return { problems, operations, compiled };
}

// --self-test: faults planted into the blog schema's document must each be
// reported (swagger-parser, ajv and the checks above really look).
async function selfTest() {
  const server = await startServer(require('path').join(__dirname, '..', '..', 'schemas', 'blog.json'));
  let doc;
  try {
    doc = await fetchDocument(server.url);
  } finally {
    await server.stop();
  }
  const faults = [
    ['a $ref to nothing', (d) => { d.components.schemas.User.properties.name = { $ref: '#/components/schemas/Nope' }; }],
    ['an answer without a description', (d) => { delete d.paths['/api/users'].get.responses['200'].description; }],
    ['a schema keyword ajv does not know', (d) => { d.components.schemas.UserCreate.requird = ['name']; }],
    ['an unknown format', (d) => { d.components.schemas.User.properties.name.format = 'no-such-format'; }],
    ['a repeated operationId', (d) => { d.paths['/api/users'].post.operationId = d.paths['/api/users'].get.operationId; }],
    ['an operation without a tag', (d) => { delete d.paths['/api/users/{id}'].get.tags; }],
    ['security without access control', (d) => { d.paths['/api'].get.security = [{ bearerAuth: [] }]; }],
  ];
  let missed = 0;
  for (const [what, plant] of faults) {
    const broken = structuredClone(doc);
    plant(broken);
    const { problems } = await check(broken, false);
    console.log(`self-test: ${what}: ${problems.length ? `reported: ${problems[0].slice(0, 160)}` : 'NOT reported'}`);
    if (!problems.length) missed++;
  }
  const { problems } = await check(doc, false);
  if (problems.length) missed++; // and the true document has none
  console.log(`validate-docs --self-test: ${missed} planted faults missed`);
  return missed ? 1 : 0;
}

async function main() {
  if (process.argv[2] === '--self-test') process.exit(await selfTest());
  const files = process.argv.slice(2).length ? process.argv.slice(2).map((f) => require('path').resolve(f)) : exampleSchemas();
  let failed = 0, documents = 0;
  for (const file of files) {
    for (const access of [false, true]) {
      const server = await startServer(file, access ? ['--jwt-secret', SECRET] : []);
      let result;
      try {
        result = await check(await fetchDocument(server.url), access);
      } catch (e) {
        result = { problems: [e.message], operations: 0, compiled: 0 };
      } finally {
        await server.stop();
      }
      documents++;
      const label = `${file.replace(/.*\//, '')}${access ? ' (--jwt-secret)' : ''}`;
      console.log(`${label}: ${result.operations} operations, ${result.compiled} schemas compiled, ` +
        `${result.problems.length} problems`);
      for (const p of result.problems) console.log(`  ${p}`);
      if (result.problems.length) failed++;
    }
  }
  console.log(`validate-docs: ${documents} documents, ${failed} with problems`);
  process.exit(failed || !documents ? 1 : 0);
}

main().catch((e) => {
  console.error(`validate-docs: ${e.stack || e}`);
  process.exit(1);
});
