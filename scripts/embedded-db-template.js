#!/usr/bin/env node
'use strict';
/**
 * Run by `npm ci` / `npm install` (postinstall): builds the embedded database's migrated
 * template (src/database/embedded-template.ts) in node_modules/.cache, so that the first
 * `npm start` after installing copies it (~0.1 s) instead of running PGlite's initdb and every
 * migration (5–8 s here). It holds initdb's files and the migrations only: no data.
 *
 * It never fails the install: where it cannot build (a production install without the
 * TypeScript tooling, a tree without the sources, a read-only cache, any error), it says so in
 * one line and the first embedded start builds the template instead.
 * EMBEDDED_DB_TEMPLATE_DIR=off skips it; EMBEDDED_DB_TEMPLATE_DIR=<dir> builds it there.
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const say = (msg) => process.stdout.write(`embedded database template: ${msg}\n`);

async function main() {
  const setting = (process.env.EMBEDDED_DB_TEMPLATE_DIR || '').trim();
  if (setting.toLowerCase() === 'off') return say('skipped (EMBEDDED_DB_TEMPLATE_DIR=off)');
  if (!fs.existsSync(path.join(ROOT, 'src', 'database', 'embedded-template.ts')))
    return say('skipped (no sources here)');
  try {
    require.resolve('@swc-node/register');
  } catch {
    return say('skipped (no development dependencies: the first embedded start builds it)');
  }
  require('@swc-node/register');
  require('reflect-metadata');
  const { ensureTemplate } = require(path.join(ROOT, 'src', 'database', 'embedded-template.ts'));
  const { defaultTemplateCacheDir } = require(path.join(ROOT, 'src', 'database', 'template-cache-dir.ts'));
  const cacheDir = setting ? path.resolve(setting) : defaultTemplateCacheDir();
  if (!cacheDir) return say('skipped (PGlite is not installed)');
  const started = Date.now();
  const { dir, built } = await ensureTemplate(cacheDir);
  const shown = path.relative(ROOT, dir).startsWith('..') ? dir : path.relative(ROOT, dir);
  say(
    `${built ? 'built' : 'already there'}: ${shown}${built ? ` (${((Date.now() - started) / 1000).toFixed(1)} s)` : ''}`,
  );
}

main().then(
  () => process.exit(0),
  (e) => {
    say(`not built (${e && e.message ? e.message.split('\n')[0] : e}); the first embedded start builds it`);
    process.exit(0);
  },
);
