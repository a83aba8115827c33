import { Writable } from 'node:stream';
import * as tf from '@tensorflow/tfjs';
import { routeConsoleTo } from './console-to-logger';
import { createRootLogger } from './logger';

describe('console output in the main thread', () => {
  const saved = {
    log: console.log,
    info: console.info,
    debug: console.debug,
    trace: console.trace,
    warn: console.warn,
    error: console.error,
  };
  afterEach(() => Object.assign(console, saved));

  it("becomes JSON records with a level: tfjs-layers' orthogonal-initializer warning among them", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    routeConsoleTo(createRootLogger('DEBUG', sink));
    await tf.setBackend('cpu');
    tf.tidy(() => {
      // The smallest LSTM whose recurrent kernel (23 × 92) passes tfjs's 2000-element warning.
      const model = tf.sequential({ layers: [tf.layers.lstm({ units: 23, inputShape: [10, 3] })] });
      model.dispose();
    });
    console.log('plain %s', 'text', { a: 1 });
    console.error(new Error('boom'));
    const records = lines.map((l) => JSON.parse(l) as { level: string; context: string; msg: string });
    expect(records).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: 'warn',
          context: 'console',
          msg: 'Orthogonal initializer is being called on a matrix with more than 2000 (2116) elements: Slowness may result.',
        }),
        expect.objectContaining({ level: 'info', context: 'console', msg: 'plain text { a: 1 }' }),
        expect.objectContaining({ level: 'error', context: 'console', msg: expect.stringContaining('Error: boom') }),
      ]),
    );
  });
});
