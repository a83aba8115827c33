import * as tf from '@tensorflow/tfjs';
import { buildNetwork, compileNetwork, type NetworkSpec } from '../architectures';
import { initTfBackend } from '../backend';
import { MultiHeadSelfAttention } from '../layers';
import { predictBatch } from '../predict';
import { withSeed } from '../random';
import { regressionData } from '../testing/synthetic-data';
import { fitNetwork } from '../training';
import { initNativeEngine, loadFusedRnnAddon, transformerHookCalls } from './index';
import { relErr } from '../testing/rel-err';

/**
 * The transformer on the native engine (attention core and layer norm on the addon) against
 * the same layers' tfjs ops: outputs and every gradient to 1e-5 (relative), the same losses
 * over five seeded epochs, predictions, and the fallback for what the fused ops do not cover.
 */
const addon = loadFusedRnnAddon();
const needsAddon = addon.ok ? it : it.skip;

const transformer = (over: Partial<NetworkSpec> = {}): NetworkSpec => ({
  architecture: 'transformer',
  window: 12,
  numFeatures: 3,
  units: 16,
  heads: 4,
  layers: 2,
  dropout: 0,
  outputUnits: 1,
  outputActivation: 'linear',
  ...over,
});

function built(build: () => tf.LayersModel): tf.LayersModel {
  let model: tf.LayersModel | undefined;
  tf.tidy(() => {
    model = build();
  });
  return model!;
}

async function outputsAndGrads(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor) {
  return withSeed(9, async () => {
    const out = tf.tidy(() => model.apply(x, { training: false }) as tf.Tensor);
    const input = tf.variable(x, true, `input_${Math.random()}`);
    const { grads } = tf.variableGrads(
      () => tf.losses.meanSquaredError<tf.Tensor, tf.Scalar>(y, model.apply(input, { training: true }) as tf.Tensor),
      [input, ...model.trainableWeights.map((w) => w.read() as tf.Variable)],
    );
    const result: Record<string, Float32Array> = {};
    for (const [k, g] of Object.entries(grads))
      result[k.startsWith('input_') ? 'input' : k] = await g.data<'float32'>();
    const o = (await out.data()) as Float32Array;
    tf.dispose([out, input, ...Object.values(grads)]);
    return { out: o, grads: result };
  });
}

describe('native engine: transformer (fused attention and layer norm)', () => {
  afterAll(async () => {
    await initTfBackend('wasm');
  });

  describe.each(['wasm', 'cpu'])('on the %s backend', (backend) => {
    beforeAll(async () => {
      await initTfBackend(backend);
    });

    needsAddon.each([
      ['2 blocks, last pooling', transformer()],
      [
        '1 block, 2 heads, mean pooling, learned positions, dropout',
        transformer({ layers: 1, heads: 2, pooling: 'mean', positionalEncoding: 'learned', dropout: 0.1 }),
      ],
    ])('%s: outputs and all gradients equal the tfjs ops’ (1e-5 relative)', async (_, spec) => {
      const model = await withSeed(3, () => built(() => buildNetwork(spec)));
      const x = tf.tidy(() => tf.randomNormal([9, 12, 3], 0, 1, 'float32', 8));
      const y = tf.tidy(() => tf.zerosLike(model.apply(x) as tf.Tensor).add(0.2));
      initNativeEngine('on', backend);
      transformerHookCalls(true);
      const fused = await outputsAndGrads(model, x, y);
      // per block one attention and two layer norms, in the inference and the training call
      expect(transformerHookCalls(true)).toEqual({ fused: 2 * 3 * spec.layers, fallback: 0 });
      initNativeEngine('off', backend);
      const reference = await outputsAndGrads(model, x, y);
      expect(transformerHookCalls(true).fused).toBe(0);
      initNativeEngine('auto', backend);
      expect(relErr(fused.out, reference.out)).toBeLessThan(1e-5);
      expect(Object.keys(fused.grads).sort()).toEqual(Object.keys(reference.grads).sort());
      const errors = Object.fromEntries(
        Object.keys(reference.grads).map((k) => [k, relErr(fused.grads[k], reference.grads[k])]),
      );
      for (const [k, e] of Object.entries(errors)) expect({ [k]: e < 1e-5 ? 'ok' : e }).toEqual({ [k]: 'ok' });
      tf.dispose([x, y]);
      model.dispose();
    });

    needsAddon('causal attention (not fused) runs the layer’s own ops', () => {
      initNativeEngine('on', backend);
      const layer = new MultiHeadSelfAttention({ units: 8, heads: 2, causal: true });
      const x = tf.ones([2, 5, 4]);
      transformerHookCalls(true);
      const out = layer.apply(x) as tf.Tensor;
      expect(out.shape).toEqual([2, 5, 4]);
      expect(transformerHookCalls(true)).toEqual({ fused: 0, fallback: 1 });
      tf.dispose([x, out]);
      layer.dispose();
    });
  });

  describe('training (wasm)', () => {
    const data = regressionData(160, 12, 3, 21);
    const trainFor = async (engine: 'on' | 'off') => {
      await initTfBackend('wasm', { nativeEngine: engine });
      return withSeed(17, async () => {
        const model = built(() => buildNetwork(transformer()));
        compileNetwork(model, { learningRate: 5e-3, loss: 'mse' });
        const before = tf.memory().numTensors;
        transformerHookCalls(true);
        const fit = await fitNetwork(model, { xTrain: data.x, yTrain: data.y, epochs: 5, batchSize: 32 });
        // 2 blocks × 3 fused calls × 5 batches × 5 epochs
        expect(transformerHookCalls(true).fused).toBe(engine === 'on' ? 2 * 3 * 5 * 5 : 0);
        const predicted = await predictBatch(model, data.x.values.subarray(0, 10 * 12 * 3), [10, 12, 3]);
        return { model, fit, predicted, leaked: tf.memory().numTensors - before };
      });
    };

    needsAddon(
      'five seeded epochs give the wasm path’s losses (1e-4), the same predictions, no tensor left behind',
      async () => {
        const native = await trainFor('on');
        const reference = await trainFor('off');
        expect(native.fit.history.loss).toHaveLength(5);
        native.fit.history.loss.forEach((l, i) =>
          expect(Math.abs(l - reference.fit.history.loss[i]) / reference.fit.history.loss[i]).toBeLessThan(1e-4),
        );
        expect(relErr(native.predicted, reference.predicted)).toBeLessThan(1e-4);
        expect(native.leaked).toBe(reference.leaked);
        for (const m of [native.model, reference.model]) {
          m.optimizer?.dispose();
          m.dispose();
        }
      },
    );
  });
});
