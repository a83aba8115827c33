import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildAutoencoder, buildNetwork, compileNetwork, type NetworkSpec } from '../architectures';
import { initTfBackend } from '../backend';
import { loadModel, saveModel } from '../io';
import { predictBatch } from '../predict';
import { withSeed } from '../random';
import { regressionData } from '../testing/synthetic-data';
import { fitNetwork } from '../training';
import {
  directForwardCalls,
  fusedAdamSteps,
  initNativeEngine,
  loadFusedRnnAddon,
  nativeMatMulCalls,
  NativeEngineUnavailableError,
  recurrentHookCalls,
} from './index';
import { relErr } from '../testing/rel-err';

/**
 * The native engine against tfjs-layers' own LSTM/GRU cells on the same backend: forward
 * outputs and every gradient equal to 1e-5 (relative), the same losses over five seeded
 * epochs, and artifacts that load and predict the same on either engine and on cpu.
 * Everything but the reporting tests skips (and says why) where the addon did not build.
 */
const addon = loadFusedRnnAddon();
const needsAddon = addon.ok ? it : it.skip;
if (!addon.ok) console.warn(`native engine tests skipped: ${addon.reason}`);

const spec = (architecture: 'lstm' | 'gru', layers: number, dropout: number, window = 12, units = 16): NetworkSpec => ({
  architecture,
  window,
  numFeatures: 3,
  units,
  layers,
  dropout,
  outputUnits: 1,
  outputActivation: 'linear',
});

/** Build inside tidy (tfjs's unitForgetBias initializer leaves intermediates behind), keep the model. */
function built(build: () => tf.LayersModel): tf.LayersModel {
  let model: tf.LayersModel | undefined;
  tf.tidy(() => {
    model = build();
  });
  return model!;
}

/** Model output and the gradients of an MSE loss w.r.t. every weight and the input, in training mode (dropout on, seeded). */
async function outputsAndGrads(
  model: tf.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
): Promise<{ out: Float32Array; grads: Record<string, Float32Array> }> {
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

describe('native engine (fused LSTM/GRU addon)', () => {
  afterAll(async () => {
    await initTfBackend('wasm');
  });

  describe('reporting', () => {
    it('NATIVE_ENGINE=off: tfjs-layers cells, and says so', async () => {
      const s = await initTfBackend('wasm', { nativeEngine: 'off' });
      expect(s.engine).toEqual({ name: 'tfjs', requested: 'off', reason: 'switched off (NATIVE_ENGINE=off)' });
    });

    it('auto without the addon falls back and says why; on without it refuses to start', () => {
      const missing = () => {
        throw new Error("Cannot find module 'fused-rnn'");
      };
      expect(initNativeEngine('auto', 'wasm', { load: missing })).toMatchObject({
        name: 'tfjs',
        reason: expect.stringContaining("cannot load fused-rnn (Cannot find module 'fused-rnn')"),
      });
      expect(() => initNativeEngine('on', 'wasm', { load: missing })).toThrow(NativeEngineUnavailableError);
      expect(
        initNativeEngine('auto', 'wasm', { load: () => ({ addon: null, loadError: 'invalid ELF header' }) }).reason,
      ).toContain('invalid ELF header');
    });

    needsAddon('auto on a backend the kernels do not cover (webgpu, tfjs-node) stays on tfjs and says why', () => {
      expect(initNativeEngine('auto', 'webgpu')).toMatchObject({
        name: 'tfjs',
        reason: expect.stringContaining('wasm and cpu backends, not on webgpu'),
      });
      expect(() => initNativeEngine('on', 'tensorflow')).toThrow(/not on tensorflow/);
    });

    needsAddon('auto with the addon: fused-rnn and its kernels, on wasm and on cpu', async () => {
      for (const backend of ['wasm', 'cpu']) {
        const s = await initTfBackend(backend);
        expect(s.engine).toEqual({
          name: 'fused-rnn',
          requested: 'auto',
          kernels: expect.stringMatching(/^(avx512|avx2-fma|portable)$/),
          threads: expect.any(Number),
        });
      }
    });
  });

  describe.each(['wasm', 'cpu'])('on the %s backend', (backend) => {
    beforeAll(async () => {
      await initTfBackend(backend);
    });

    // Every recurrent shape the architectures build: one and two layers (return_sequences
    // between them), dropout between layers, and the LSTM autoencoder (sequence → code →
    // repeated → sequence).
    const cases: [string, () => tf.LayersModel][] = [
      ['lstm × 1', () => buildNetwork(spec('lstm', 1, 0))],
      ['lstm × 2, dropout 0.2', () => buildNetwork(spec('lstm', 2, 0.2))],
      ['gru × 1', () => buildNetwork(spec('gru', 1, 0))],
      ['gru × 2, dropout 0.2', () => buildNetwork(spec('gru', 2, 0.2))],
      [
        'lstm autoencoder',
        () => buildAutoencoder({ architecture: 'lstm', window: 8, numFeatures: 3, units: 12, layers: 2, dropout: 0.1 }),
      ],
    ];
    needsAddon.each(cases)(
      '%s: forward outputs and all gradients equal tfjs-layers’ cells (1e-5 relative)',
      async (_, build) => {
        const model = await withSeed(3, () => built(build));
        const [, window, features] = model.inputs[0].shape as number[];
        // 17 windows: split into two chunks of rows where the addon has two threads.
        const x = tf.tidy(() => tf.randomNormal([17, window, features], 0, 1, 'float32', 4));
        const y = tf.tidy(() => tf.zerosLike(model.apply(x) as tf.Tensor).add(0.3));
        initNativeEngine('on', backend);
        recurrentHookCalls(true);
        const fused = await outputsAndGrads(model, x, y);
        expect(recurrentHookCalls(true).fused).toBeGreaterThan(0);
        initNativeEngine('off', backend);
        const reference = await outputsAndGrads(model, x, y);
        expect(recurrentHookCalls().fused).toBe(0);
        initNativeEngine('auto', backend);
        expect(relErr(fused.out, reference.out)).toBeLessThan(1e-5);
        expect(Object.keys(fused.grads).sort()).toEqual(Object.keys(reference.grads).sort());
        const errors = Object.fromEntries(
          Object.keys(reference.grads).map((k) => [k, relErr(fused.grads[k], reference.grads[k])]),
        );
        for (const [k, e] of Object.entries(errors)) expect({ [k]: e < 1e-5 ? 'ok' : e }).toEqual({ [k]: 'ok' });
        tf.dispose([x, y]);
        model.dispose();
      },
    );

    needsAddon("hardSigmoid (tfjs-layers' default recurrent activation) too", async () => {
      for (const layer of [tf.layers.lstm({ units: 7, returnSequences: true }), tf.layers.gru({ units: 7 })]) {
        const input = tf.input({ shape: [6, 2] });
        const model = await withSeed(5, () =>
          tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor }),
        );
        const x = tf.randomNormal([3, 6, 2], 0, 1, 'float32', 6);
        const y = tf.tidy(() => tf.zerosLike(model.apply(x) as tf.Tensor).add(0.1));
        initNativeEngine('on', backend);
        const fused = await outputsAndGrads(model, x, y);
        initNativeEngine('off', backend);
        const reference = await outputsAndGrads(model, x, y);
        initNativeEngine('auto', backend);
        expect(relErr(fused.out, reference.out)).toBeLessThan(1e-5);
        for (const k of Object.keys(reference.grads))
          expect(relErr(fused.grads[k], reference.grads[k])).toBeLessThan(1e-5);
        tf.dispose([x, y]);
        model.dispose();
      }
    });

    if (backend === 'wasm') {
      needsAddon(
        'transformer (BatchMatMul on the addon: attention, transposed and broadcast operands): outputs and gradients equal the wasm kernels’ (1e-5)',
        async () => {
          const model = await withSeed(3, () =>
            built(() => buildNetwork({ ...spec('lstm', 2, 0), architecture: 'transformer', units: 16, heads: 4 })),
          );
          const x = tf.tidy(() => tf.randomNormal([9, 12, 3], 0, 1, 'float32', 8));
          const y = tf.tidy(() => tf.zerosLike(model.apply(x) as tf.Tensor).add(0.2));
          initNativeEngine('on', backend);
          nativeMatMulCalls(true);
          const fused = await outputsAndGrads(model, x, y);
          expect(nativeMatMulCalls(true)).toBeGreaterThan(10);
          initNativeEngine('off', backend);
          const reference = await outputsAndGrads(model, x, y);
          expect(nativeMatMulCalls(true)).toBe(0);
          initNativeEngine('auto', backend);
          expect(relErr(fused.out, reference.out)).toBeLessThan(1e-5);
          const errors = Object.fromEntries(
            Object.keys(reference.grads).map((k) => [k, relErr(fused.grads[k], reference.grads[k])]),
          );
          for (const [k, e] of Object.entries(errors)) expect({ [k]: e < 1e-5 ? 'ok' : e }).toEqual({ [k]: 'ok' });
          tf.dispose([x, y]);
          model.dispose();
        },
      );
    }

    needsAddon('what the fused op does not cover (dropout inside the cell) runs the original cell', async () => {
      initNativeEngine('on', backend);
      const layer = tf.layers.lstm({ units: 4, recurrentDropout: 0.3 });
      const x = tf.ones([2, 3, 2]);
      recurrentHookCalls(true);
      const out = layer.apply(x) as tf.Tensor;
      expect(out.shape).toEqual([2, 4]);
      expect(recurrentHookCalls(true)).toEqual({ fused: 0, fallback: 1 });
      tf.dispose([x, out]);
      layer.dispose();
    });
  });

  describe('training and artifacts (wasm)', () => {
    const data = regressionData(160, 12, 3, 21);
    const trainFor = async (engine: 'on' | 'off', epochs: number, architecture: 'lstm' | 'gru') => {
      await initTfBackend('wasm', { nativeEngine: engine });
      return withSeed(17, async () => {
        const model = built(() => buildNetwork(spec(architecture, 2, 0.2)));
        compileNetwork(model, { learningRate: 5e-3, loss: 'mse' });
        const before = tf.memory().numTensors;
        recurrentHookCalls(true);
        const fit = await fitNetwork(model, { xTrain: data.x, yTrain: data.y, epochs, batchSize: 32 });
        // 2 layers × 5 batches per epoch, each a training call (and no validation set).
        expect(recurrentHookCalls(true).fused).toBe(engine === 'on' ? 2 * 5 * epochs : 0);
        return { model, fit, leaked: tf.memory().numTensors - before };
      });
    };

    needsAddon.each(['lstm', 'gru'] as const)(
      '%s: five seeded epochs give the wasm path’s losses (1e-4) and leave no tensor behind',
      async (architecture) => {
        const native = await trainFor('on', 5, architecture);
        const reference = await trainFor('off', 5, architecture);
        expect(native.fit.history.loss).toHaveLength(5);
        native.fit.history.loss.forEach((l, i) =>
          expect(Math.abs(l - reference.fit.history.loss[i]) / reference.fit.history.loss[i]).toBeLessThan(1e-4),
        );
        expect(native.leaked).toBe(reference.leaked);
        for (const m of [native.model, reference.model]) {
          m.optimizer?.dispose();
          m.dispose();
        }
      },
    );

    needsAddon("Adam on the addon computes tfjs-core's AdamOptimizer bit for bit", async () => {
      // The same variables and the same gradients, ten steps, each engine in turn.
      const shapes = [[4, 256], [64, 256], [256], [64, 1], [1]];
      const stepsOn = async (engine: 'on' | 'off') => {
        await initTfBackend('wasm', { nativeEngine: engine });
        const vars = shapes.map((s, i) =>
          tf.variable(tf.randomNormal(s, 0, 1, 'float32', 10 + i), true, `adam_${engine}_${i}`),
        );
        const optimizer = tf.train.adam(1e-2);
        fusedAdamSteps(true);
        for (let step = 0; step < 10; step++) {
          const grads = shapes.map((s, i) => tf.randomNormal(s, 0, 1, 'float32', 1000 + 100 * step + i)); // (seed 0 would mean unseeded)
          optimizer.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: grads[i] })));
          tf.dispose(grads);
        }
        expect(fusedAdamSteps(true)).toBe(engine === 'on' ? 10 : 0);
        const values = await Promise.all(vars.map(async (v) => Array.from(await v.data())));
        optimizer.dispose();
        tf.dispose(vars);
        return values;
      };
      expect(await stepsOn('on')).toEqual(await stepsOn('off'));
    });

    needsAddon('a model trained on either engine loads and predicts the same on the other, and on cpu', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'native-engine-'));
      try {
        const x = data.x.values.subarray(0, 10 * 12 * 3);
        for (const [trainedOn, servedOn] of [
          ['on', 'off'],
          ['off', 'on'],
        ] as const) {
          const { model } = await trainFor(trainedOn, 1, 'lstm');
          const expected = await predictBatch(model, x, [10, 12, 3]);
          const saveDir = path.join(dir, trainedOn);
          await saveModel(model, saveDir);
          model.optimizer?.dispose();
          model.dispose();
          for (const backend of ['wasm', 'cpu']) {
            await initTfBackend(backend, { nativeEngine: servedOn });
            const loaded = await loadModel(saveDir);
            recurrentHookCalls(true);
            directForwardCalls(true);
            const got = await predictBatch(loaded, x, [10, 12, 3]);
            // On the native engine a plain LSTM network predicts on the addon alone (direct-forward.ts).
            expect(directForwardCalls(true)).toBe(servedOn === 'on' ? 1 : 0);
            expect(recurrentHookCalls(true).fused).toBe(0);
            expect(relErr(got, expected)).toBeLessThan(1e-5);
            loaded.dispose();
          }
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
