#!/usr/bin/env node
// Runs TypeORM's CLI against the compiled CLI data source (build first: the npm scripts do).
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const args = process.argv.slice(2);
const dataSource = path.join(__dirname, '..', 'dist', 'src', 'cli-data-source.js');
const r = spawnSync(process.execPath, [require.resolve('typeorm/cli.js'), ...args, '-d', dataSource], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
