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

/** Floats `saved` must hold for a forward pass (gates and cell states kept for the backward). */
function savedSize(cell, batch, timeSteps, units) {
  return batch * timeSteps * units * (cell === 'lstm' ? 6 : 4);
}

module.exports = { addon, loadError, savedSize };
