'use strict';
// Loads the compiled addon; never throws: `addon` is null and `loadError` says why when the
// build is missing (no compiler at install time) or does not load on this machine.
let addon = null;
let loadError = null;
try {
  addon = require('./build/Release/fused_rnn.node');
} catch (err) {
  loadError = err instanceof Error ? err.message.split('\n')[0] : String(err);
}

module.exports = { addon, loadError };
