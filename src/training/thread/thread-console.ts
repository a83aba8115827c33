/**
 * Imported first by the training thread, before tfjs: every console call of the thread
 * (tfjs-layers warns "Orthogonal initializer is being called on a matrix with more than
 * 2000 … elements" through console.warn; the cpu backend prints its tfjs-node hint) becomes
 * a message to the parent, which logs it as one JSON record. Written straight to the
 * thread's stdout/stderr, it would be a plain-text line in the JSON log stream.
 */
import { format } from 'node:util';
import { parentPort } from 'node:worker_threads';
import type { ThreadLogLevel, TrainingThreadMessage } from './protocol';

function route(level: ThreadLogLevel) {
  return (...args: unknown[]): void => {
    const m: TrainingThreadMessage = { type: 'log', level, message: format(...args) };
    parentPort?.postMessage(m);
  };
}

console.log = route('log');
console.info = route('log');
console.debug = route('debug');
console.trace = route('debug');
console.warn = route('warn');
console.error = route('error');
