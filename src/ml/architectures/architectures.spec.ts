import * as tf from '@tensorflow/tfjs';
import { initTfBackend } from '../backend';
import { countParameters } from '../memory';
import { withSeed } from '../random';
import { classificationData, regressionData } from '../testing/synthetic-data';
import { fitNetwork } from '../training';
import {
  architectureNames,
  buildAutoencoder,
  buildNetwork,
  compileNetwork,
  InvalidNetworkSpecError,
  type NetworkSpec,
} from './index';

const W = 8;
const F = 3;
const base = {
  window: W,
  numFeatures: F,
  units: 8,
  layers: 2,
  dropout: 0,
  outputUnits: 1,
  outputActivation: 'linear',
} as const;

async function mse(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): Promise<number> {
  const out = model.evaluate(x, y) as tf.Scalar;
  const v = (await out.data())[0];
  out.dispose();
  return v;
}

beforeAll(async () => {
  await initTfBackend('wasm');
});

// Every registered architecture (registry.ts) gets these checks without being named here.
describe.each<NetworkSpec['architecture']>(architectureNames())('%s network', (architecture) => {
  const spec: NetworkSpec = { ...base, architecture, heads: 2, dropout: 0.1 };

  it('maps [batch, window, features] to [batch, outputUnits] with the parameter count memory.ts predicts', () => {
    const model = buildNetwork(spec);
    expect(model.inputs[0].shape).toEqual([null, W, F]);
    expect(model.outputs[0].shape).toEqual([null, 1]);
    expect(model.countParams()).toBe(countParameters(spec));
    model.dispose();
  });

  it('learns an easy pattern: loss falls well below its starting value', async () => {
    await withSeed(7, async () => {
      const { x, y } = regressionData(128, W, F, 3);
      const xt = tf.tensor(x.values, x.shape);
      const yt = tf.tensor(y.values, y.shape);
      const model = compileNetwork(buildNetwork(spec), { learningRate: 0.01, loss: 'mse' });
      const before = await mse(model, xt, yt);
      const result = await fitNetwork(model, { xTrain: xt, yTrain: yt, epochs: 12, batchSize: 16 });
      const after = await mse(model, xt, yt);
      expect(result.history.loss).toHaveLength(12);
      expect(after).toBeLessThan(0.5 * before);
      model.dispose();
      tf.dispose([xt, yt]);
    });
  });
});

describe('network details users rely on', () => {
  it('LSTM and GRU use sigmoid gates like Keras/PyTorch, and stacked layers return sequences except the last', () => {
    for (const architecture of ['lstm', 'gru'] as const) {
      const model = buildNetwork({ ...base, architecture, layers: 3 });
      const recurrent = model.layers.filter((l) => l.getClassName() === architecture.toUpperCase());
      expect(recurrent.map((l) => l.getConfig()['recurrentActivation'])).toEqual(['sigmoid', 'sigmoid', 'sigmoid']);
      expect(recurrent.map((l) => l.getConfig()['returnSequences'])).toEqual([true, true, false]);
      model.dispose();
    }
  });

  it('transformer: N encoder blocks, mean or last pooling, learned or sinusoidal positions', () => {
    const spec: NetworkSpec = {
      ...base,
      architecture: 'transformer',
      layers: 3,
      heads: 4,
      pooling: 'mean',
      positionalEncoding: 'learned',
      feedForwardUnits: 16,
    };
    const model = buildNetwork(spec);
    const names = model.layers.map((l) => l.getClassName());
    expect(names.filter((n) => n === 'WorkbenchMultiHeadSelfAttention')).toHaveLength(3);
    expect(names.filter((n) => n === 'WorkbenchLayerNorm')).toHaveLength(6);
    expect(model.getLayer('pooling').getConfig()['mode']).toBe('mean');
    expect(model.countParams()).toBe(countParameters(spec));
    model.dispose();
  });

  it('softmax output gives class probabilities and learns a two-class problem', async () => {
    await withSeed(11, async () => {
      const { x, y } = classificationData(128, W, F);
      const model = compileNetwork(
        buildNetwork({ ...base, architecture: 'dense', outputUnits: 2, outputActivation: 'softmax' }),
        {
          learningRate: 0.01,
          loss: 'categoricalCrossentropy',
        },
      );
      const result = await fitNetwork(model, { xTrain: x, yTrain: y, epochs: 10, batchSize: 16 });
      expect(result.history.loss[9]).toBeLessThan(0.6 * result.history.loss[0]);
      const p = model.predict(tf.tensor(x.values, x.shape)) as tf.Tensor;
      const rows = await tf.sum(p, 1).data();
      rows.forEach((s) => expect(s).toBeCloseTo(1, 5));
      p.dispose();
      model.dispose();
    });
  });

  it('rejects a bad spec listing every problem', () => {
    const bad = { ...base, architecture: 'transformer', units: 10, heads: 4, dropout: 1.5, window: 0 } as NetworkSpec;
    let error: unknown;
    try {
      buildNetwork(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidNetworkSpecError);
    expect((error as InvalidNetworkSpecError).problems).toEqual([
      'window must be a positive integer (got 0)',
      'dropout must be in [0, 1) (got 1.5)',
      'units (10) must be divisible by heads (4)',
    ]);
  });

  it('compileNetwork rejects an unknown loss and a non-positive learning rate', () => {
    const model = buildNetwork({ ...base, architecture: 'dense' });
    expect(() => compileNetwork(model, { learningRate: 0, loss: 'mse' })).toThrow('learningRate');
    expect(() => compileNetwork(model, { learningRate: 0.1, loss: 'rmse' as 'mse' })).toThrow('loss must be one of');
    model.dispose();
  });
});

describe.each(['dense', 'lstm'] as const)('%s autoencoder', (architecture) => {
  const spec = { architecture, window: W, numFeatures: F, units: 8, layers: 2 };

  it('reconstructs the window shape through a narrower code', () => {
    const model = buildAutoencoder(spec);
    expect(model.outputs[0].shape).toEqual([null, W, F]);
    expect(model.getLayer('code').outputShape).toEqual([null, 4]); // units 8 → 4
    expect(model.countParams()).toBe(countParameters(spec));
    model.dispose();
  });

  it('learns to reconstruct: reconstruction error falls', async () => {
    await withSeed(5, async () => {
      // Smooth, low-dimensional windows (a few sines) that a 4-wide code can carry.
      const n = 96;
      const values = new Float32Array(n * W * F);
      for (let s = 0; s < n; s++)
        for (let t = 0; t < W; t++)
          for (let f = 0; f < F; f++) values[(s * W + t) * F + f] = Math.sin(0.3 * s + 0.5 * t + f);
      const x = tf.tensor(values, [n, W, F]);
      const model = compileNetwork(buildAutoencoder(spec), { learningRate: 0.01, loss: 'mse' });
      const before = await mse(model, x, x);
      await fitNetwork(model, { xTrain: x, yTrain: x, epochs: 15, batchSize: 16 });
      expect(await mse(model, x, x)).toBeLessThan(0.5 * before);
      model.dispose();
      x.dispose();
    });
  });
});
