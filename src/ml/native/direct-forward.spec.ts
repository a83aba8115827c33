import * as tf from '@tensorflow/tfjs';
import { buildNetwork, compileNetwork, type NetworkSpec } from '../architectures';
import { initTfBackend } from '../backend';
import { predictBatch } from '../predict';
import { withSeed } from '../random';
import { regressionData } from '../testing/synthetic-data';
import { directForwardCalls, initNativeEngine, loadFusedRnnAddon } from './index';
import { relErr } from '../testing/rel-err';

/**
 * Predictions of plain LSTM/GRU networks on the addon alone (direct-forward.ts) against
 * tfjs-layers' own cells on the same backend (the native engine switched off): equal to 1e-5
 * relative for every shape the lstm/gru architectures build and every output activation; the
 * weights followed after training; anything else left to tfjs.
 */
const addon = loadFusedRnnAddon();
const needsAddon = addon.ok ? it : it.skip;
if (!addon.ok) console.warn(`direct forward tests skipped: ${addon.reason}`);

const spec = (over: Partial<NetworkSpec>): NetworkSpec => ({
  architecture: 'lstm',
  window: 9,
  numFeatures: 3,
  units: 12,
  layers: 1,
  dropout: 0,
  outputUnits: 1,
  outputActivation: 'linear',
  ...over,
});

/** Built seeded inside tidy (tfjs's unitForgetBias initializer leaves intermediates behind). */
async function built(s: NetworkSpec): Promise<tf.LayersModel> {
  let model: tf.LayersModel | undefined;
  await withSeed(3, () =>
    tf.tidy(() => {
      model = buildNetwork(s);
    }),
  );
  return model!;
}

const windows = (n: number, s: NetworkSpec) => regressionData(n, s.window, s.numFeatures, 5).x.values;

/** predictBatch with the native engine on (counting direct passes) and off (tfjs-layers' cells). */
async function bothEngines(
  backend: string,
  model: tf.LayersModel,
  x: Float32Array,
  shape: number[],
  batchSize?: number,
) {
  initNativeEngine('on', backend);
  directForwardCalls(true);
  const direct = await predictBatch(model, x, shape, { batchSize });
  const passes = directForwardCalls(true);
  initNativeEngine('off', backend);
  const reference = await predictBatch(model, x, shape, { batchSize });
  initNativeEngine('auto', backend);
  return { direct, reference, passes };
}

describe('direct forward (plain LSTM/GRU networks on the addon, without tfjs)', () => {
  afterAll(async () => {
    await initTfBackend('wasm');
  });

  describe.each(['wasm', 'cpu'])('on the %s backend', (backend) => {
    beforeAll(async () => {
      await initTfBackend(backend);
    });

    const cases: [string, NetworkSpec][] = [
      ['lstm × 1', spec({})],
      ['lstm × 3, dropout 0.2', spec({ layers: 3, dropout: 0.2 })],
      ['gru × 1', spec({ architecture: 'gru' })],
      ['gru × 2, dropout 0.1', spec({ architecture: 'gru', layers: 2, dropout: 0.1 })],
      ['lstm, sigmoid output (binary classification)', spec({ outputActivation: 'sigmoid' })],
      ['gru, softmax over 3 classes', spec({ architecture: 'gru', outputUnits: 3, outputActivation: 'softmax' })],
    ];
    needsAddon.each(cases)('%s: equals tfjs-layers’ cells (1e-5 relative), one pass', async (_, s) => {
      const model = await built(s);
      // 37 windows: more than one thread's chunk of rows, and not a multiple of 8.
      const x = windows(37, s);
      const { direct, reference, passes } = await bothEngines(backend, model, x, [37, s.window, s.numFeatures]);
      expect(passes).toBe(1);
      expect(direct.length).toBe(37 * s.outputUnits);
      expect(relErr(direct, reference)).toBeLessThan(1e-5);
      if (s.outputActivation === 'softmax')
        for (let r = 0; r < 37; r++) expect(direct[3 * r] + direct[3 * r + 1] + direct[3 * r + 2]).toBeCloseTo(1, 6);
      model.dispose();
    });

    needsAddon('a batch larger than batchSize is computed in chunks with the same values', async () => {
      const s = spec({ layers: 2 });
      const model = await built(s);
      const x = windows(50, s);
      const shape = [50, s.window, s.numFeatures];
      const { direct, reference } = await bothEngines(backend, model, x, shape, 16);
      expect(relErr(direct, reference)).toBeLessThan(1e-5);
      initNativeEngine('on', backend);
      expect(await predictBatch(model, x, shape, { batchSize: 16 })).toEqual(await predictBatch(model, x, shape));
      initNativeEngine('auto', backend);
      model.dispose();
    });

    needsAddon('follows the weights: after fit and after setWeights it predicts with the new ones', async () => {
      const s = spec({ architecture: 'gru' });
      const model = await built(s);
      const data = regressionData(64, s.window, s.numFeatures, 8);
      const shape = [64, s.window, s.numFeatures];
      initNativeEngine('on', backend);
      const before = await predictBatch(model, data.x.values, shape);
      compileNetwork(model, { learningRate: 1e-2, loss: 'mse' });
      const xs = tf.tensor(data.x.values, shape);
      const ys = tf.tensor(data.y.values, [64, 1]);
      await model.fit(xs, ys, { epochs: 2, batchSize: 16, verbose: 0 });
      const trained = await predictBatch(model, data.x.values, shape);
      expect(relErr(trained, before)).toBeGreaterThan(1e-3);
      let { direct, reference } = await bothEngines(backend, model, data.x.values, shape);
      expect(direct).toEqual(trained);
      expect(relErr(direct, reference)).toBeLessThan(1e-5);

      const zeroed = model.getWeights().map((w) => tf.zerosLike(w));
      model.setWeights(zeroed);
      ({ direct, reference } = await bothEngines(backend, model, data.x.values, shape));
      // All weights zero: every output is the zero dense bias.
      expect(Array.from(direct)).toEqual(new Array(64).fill(0));
      expect(Array.from(reference)).toEqual(new Array(64).fill(0));
      tf.dispose([xs, ys, ...zeroed]);
      model.dispose();
    });

    needsAddon(
      'a network it does not cover (transformer, dense, LSTM sequences → Flatten → Dense) is left to tfjs',
      async () => {
        const input = tf.input({ shape: [5, 2] });
        const seq = tf.layers.lstm({ units: 4, returnSequences: true, recurrentActivation: 'sigmoid' }).apply(input);
        const onSteps = tf.model({
          inputs: input,
          outputs: tf.layers.dense({ units: 1 }).apply(tf.layers.flatten().apply(seq)) as tf.SymbolicTensor,
        });
        const others = [
          await built(spec({ architecture: 'transformer', units: 8, heads: 2, layers: 1 })),
          await built(spec({ architecture: 'dense' })),
        ];
        for (const model of [...others, onSteps]) {
          const [, w, f] = model.inputs[0].shape as number[];
          const x = regressionData(6, w, f, 2).x.values;
          const { direct, reference, passes } = await bothEngines(backend, model, x, [6, w, f]);
          expect(passes).toBe(0);
          expect(relErr(direct, reference)).toBeLessThan(1e-5);
          model.dispose();
        }
      },
    );
  });
});
