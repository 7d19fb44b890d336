/* server.js: the real restmap binary for the browser tests. startServer()
 * runs RESTMAP_BIN (default build/restmap) in a fresh temporary directory
 * with its own SQLite file (--create-all, --seed, --port 0, --static
 * static), inherits no RESTMAP_* variable, and resolves once the server
 * prints its "listening on" line (rejects with its stderr when it exits or
 * stays silent for 20 s). stop() sends SIGTERM, requires exit status 0 and
 * removes the directory. Paths are relative to the repository root. */
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const START_TIMEOUT_MS = 20000;
const STOP_TIMEOUT_MS = 15000;
const LOG_LIMIT = 64 * 1024;

function fromRoot(p) { return path.isAbsolute(p) ? p : path.join(ROOT, p); }

function binary() { return fromRoot(process.env.RESTMAP_BIN || 'build/restmap'); }

/* Options: schema, seed (paths), args (more arguments), jwtSecret. */
function startServer({ schema, seed, args = [], jwtSecret } = {}) {
  const bin = binary();
  if (!fs.existsSync(bin)) {
    return Promise.reject(new Error(`no restmap binary at ${bin} (run make all, or set RESTMAP_BIN)`));
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'restmap-browser-'));
  const argv = ['--schema', fromRoot(schema), '--db', 'sqlite:///' + path.join(dir, 'test.db'),
    '--create-all', '--port', '0', '--static', fromRoot('static'), '--access-log=no'];
  if (seed) argv.push('--seed', fromRoot(seed));
  if (jwtSecret) argv.push('--jwt-secret', jwtSecret);
  argv.push(...args);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RESTMAP_')));
  const child = spawn(bin, argv, { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });

  let log = '';
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => {
    exited = { code, signal };
    resolve(exited);
  }));
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => { if (log.length < LOG_LIMIT) log += chunk; });

  const server = {
    dir,
    url: null,
    log: () => log,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exit;
        clearTimeout(timer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
      if (exited.code !== 0) {
        throw new Error(`restmap exited with ${exited.signal || 'status ' + exited.code}:\n${log}`);
      }
    },
  };

  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
      reject(new Error(`restmap did not start (${why}): ${bin} ${argv.join(' ')}\n${log}`));
    };
    const timer = setTimeout(() => fail('no "listening on" line in 20 s'), START_TIMEOUT_MS);
    child.on('error', (e) => fail(e.message));
    exit.then((e) => { if (!settled) fail(`exited with ${e.signal || 'status ' + e.code}`); });
    child.stderr.on('data', () => {
      const m = /restmap: listening on (http:\/\/\S+)/.exec(log);
      if (m && !settled) {
        settled = true;
        clearTimeout(timer);
        server.url = m[1].replace('://0.0.0.0:', '://127.0.0.1:');
        resolve(server);
      }
    });
  });
}

module.exports = { startServer, ROOT, fromRoot };
