import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initTfBackend } from '../backend';
import { loadModel, saveModel } from '../io';
import { countParameters } from '../memory';
import { exportLayersModel, OnnxExportError, readLayerWeights } from '../onnx';
import { predictBatch } from '../predict';
import { createPrng, withSeed } from '../random';
import { fitNetwork } from '../training';
import { buildNetwork, compileNetwork, getArchitecture, type NetworkSpec } from './index';
import { CausalConv1D } from './tcn';

const W = 16;
const F = 2;
const spec: NetworkSpec = {
  architecture: 'tcn',
  window: W,
  numFeatures: F,
  units: 8,
  layers: 3,
  dropout: 0,
  outputUnits: 1,
  outputActivation: 'linear',
};

/**
 * A planted signal: the target is 0.8 × feature 0 eight bars before the window's end minus
 * 0.5 × feature 1 of the last bar, plus a little noise. Only a network that looks far enough
 * back (dilations 1, 2, 4 reach 29 bars) and keeps time order can find it.
 */
function plantedSignal(samples: number, seed: number) {
  const rand = createPrng(seed);
  const x = new Float32Array(samples * W * F);
  const y = new Float32Array(samples);
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < W * F; i++) x[s * W * F + i] = rand() * 2 - 1;
    y[s] = 0.8 * x[(s * W + W - 8) * F] - 0.5 * x[(s * W + W - 1) * F + 1] + 0.05 * (rand() * 2 - 1);
  }
  return { x: tf.tensor3d(x, [samples, W, F]), y: tf.tensor2d(y, [samples, 1]), values: x };
}

const mse = async (model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): Promise<number> => {
  const out = model.evaluate(x, y) as tf.Scalar;
  const v = (await out.data())[0];
  out.dispose();
  return v;
};

beforeAll(async () => {
  await initTfBackend('wasm');
});

describe('tcn architecture', () => {
  it('is causal: changing step s leaves every earlier output step of a convolution as it was', async () => {
    const conv = new CausalConv1D({ filters: 3, kernelSize: 3, dilation: 2 });
    const x = tf.randomNormal<tf.Rank.R3>([1, 10, 2]);
    const before = (await (conv.apply(x) as tf.Tensor).array()) as number[][][];
    const changed = tf.tidy(() => tf.add(x, tf.oneHot([6], 10).reshape([1, 10, 1]).mul(5)));
    const after = (await (conv.apply(changed) as tf.Tensor).array()) as number[][][];
    for (let t = 0; t < 10; t++) {
      const same = before[0][t].every((v, j) => Math.abs(v - after[0][t][j]) < 1e-6);
      // Step 6 reaches steps 6, 8 and 10 (taps at t, t − 2, t − 4): none before it.
      expect(same).toBe(t < 6 || (t !== 6 && t !== 8));
    }
    tf.dispose([x, changed]);
  });

  it('maps [batch, window, features] to [batch, 1] with the parameter count memory.ts predicts', () => {
    for (const s of [spec, { ...spec, units: 2, layers: 1 }, { ...spec, numFeatures: 8, units: 8, layers: 2 }]) {
      const model = buildNetwork(s);
      expect(model.outputs[0].shape).toEqual([null, 1]);
      expect(model.countParams()).toBe(countParameters(s));
      model.dispose();
    }
  });

  it('learns a planted signal: training loss falls and the test error beats predicting zero', async () => {
    await withSeed(3, async () => {
      const train = plantedSignal(256, 1);
      const test = plantedSignal(128, 2);
      const model = compileNetwork(buildNetwork(spec), { learningRate: 0.01, loss: 'mse' });
      const result = await fitNetwork(model, { xTrain: train.x, yTrain: train.y, epochs: 25, batchSize: 32 });
      const zero = (await tf.mean(tf.square(test.y)).data())[0];
      const testMse = await mse(model, test.x, test.y);
      expect(result.history.loss[result.history.loss.length - 1]).toBeLessThan(0.5 * result.history.loss[0]);
      expect(testMse).toBeLessThan(0.5 * zero);

      // Saved and loaded as the registry stores it (model.json + weights.bin): the same predictions.
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tcn-'));
      try {
        const before = await predictBatch(model, test.values, [128, W, F]);
        await saveModel(model, dir);
        const loaded = await loadModel(dir);
        expect(Array.from(await predictBatch(loaded, test.values, [128, W, F]))).toEqual(Array.from(before));
        loaded.dispose();
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
      model.dispose();
      tf.dispose([train.x, train.y, test.x, test.y]);
    });
  });

  it('says it has no ONNX export, and the exporter indeed refuses it naming the layer', async () => {
    expect(getArchitecture('tcn').onnx).toEqual({
      exported: false,
      reason: expect.stringContaining('WorkbenchCausalConv1D'),
    });
    const model = buildNetwork({ ...spec, layers: 1 });
    expect(() => exportLayersModel(model, new Map())).toThrow(OnnxExportError);
    expect(() => exportLayersModel(model, new Map())).toThrow(/of class WorkbenchCausalConv1D has no ONNX mapping/);
    await readLayerWeights(model); // the weights read fine; only the mapping is missing
    model.dispose();
  });
});
