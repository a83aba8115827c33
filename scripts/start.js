#!/usr/bin/env node
'use strict';
/**
 * What `npm start` runs: the service from its TypeScript sources, compiled once.
 *
 * `node -r @swc-node/register src/main.ts` loads TypeScript's compiler (~9 MB of JavaScript) and
 * looks up or transpiles each of the ~330 source files on every start, which is about a third of
 * what a reopened embedded start costs before it can answer /health. Here the sources are
 * compiled with the very transform swc-node applies (same options from tsconfig.json, same
 * output) into a cache directory named by a hash of every source file and of the toolchain;
 * a start whose sources have not changed loads plain JavaScript from there. An edit, a
 * checkout or a new swc gives a new hash, so the cache never runs stale code.
 *
 * Where the cache cannot be built (no @swc/core, a read-only node_modules, any error) the start
 * goes on as before, through @swc-node/register, after one line on stderr. `npm ci` builds the
 * cache (postinstall), so the first start after installing already finds it.
 */
const path = require('node:path');
const { compiledEntry } = require('./compiled-sources');

let entry = null;
try {
  entry = compiledEntry();
} catch (e) {
  process.stderr.write(
    `npm start: running the TypeScript sources through @swc-node/register (no compiled copy: ${e && e.message ? e.message.split('\n')[0] : e})\n`,
  );
}
if (entry) {
  // Stack traces name the TypeScript lines, as under swc-node (maps are read only when a stack is
  // printed). source-map-support comes with swc-node's tooling; without it, stacks name the .js.
  try {
    require('source-map-support').install({ environment: 'node', handleUncaughtExceptions: false });
  } catch {
    /* plain stacks */
  }
  require(entry);
} else {
  require('@swc-node/register');
  require(path.join(__dirname, '..', 'src', 'main.ts'));
}
