'use strict';
// `npm install` / `npm ci` hook: compile the addon with node-gyp (the copy npm ships).
// node-gyp would download Node's headers; where the running Node has its own headers
// installed beside it (Debian's nodejs, the official tarballs: <prefix>/include/node) they
// are used instead, so the build also works offline. An explicit npm_config_nodedir wins.
// Exits non-zero when the build fails: npm then drops this optional dependency and the
// service trains on the TensorFlow.js path.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const here = path.resolve(__dirname, '..');
const prefix = path.resolve(path.dirname(process.execPath), '..');
const nodeGyp = process.env.npm_config_node_gyp || findNpmNodeGyp();
if (!nodeGyp) {
  console.error('fused-rnn: node-gyp not found (run this through npm, or set npm_config_node_gyp)');
  process.exit(1);
}

const args = [nodeGyp, 'rebuild'];
if (
  !process.env.npm_config_nodedir &&
  fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) &&
  fs.existsSync(path.join(prefix, 'include', 'node', 'common.gypi'))
) {
  args.push(`--nodedir=${prefix}`);
}
const run = spawnSync(process.execPath, args, { cwd: here, stdio: 'inherit' });
process.exit(run.status ?? 1);

function findNpmNodeGyp() {
  // npm's own node-gyp, next to the npm that is on PATH (…/lib/node_modules/npm).
  const candidates = [
    path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed locally
  }
  return candidates.find((c) => fs.existsSync(c));
}
