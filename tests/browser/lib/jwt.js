/* jwt.js: bearer tokens for a server started with jwtSecret (SPEC §6:
 * HS256, the role claim picks the role). mintToken(secret, claims) signs
 * {iat, exp: an hour on, ...claims} with node's own HMAC-SHA256 (no
 * package): header.payload.signature, each base64url. */
'use strict';
const crypto = require('node:crypto');

const part = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');

function mintToken(secret, claims) {
  const now = Math.floor(Date.now() / 1000);
  const signed = part({ alg: 'HS256', typ: 'JWT' }) + '.' + part({ iat: now, exp: now + 3600, ...claims });
  return signed + '.' + crypto.createHmac('sha256', secret).update(signed).digest('base64url');
}

module.exports = { mintToken };
