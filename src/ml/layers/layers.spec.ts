import * as tf from '@tensorflow/tfjs';
import { initTfBackend } from '../backend';
import { LayerNorm, MultiHeadSelfAttention, PositionalEncoding, SequencePooling, sinusoidalPositions } from './index';

const seq = (shape: [number, number, number], offset = 0): tf.Tensor3D =>
  tf.tensor3d(
    Array.from({ length: shape[0] * shape[1] * shape[2] }, (_, i) => Math.sin(1.7 * i + offset) * 3 + 1),
    shape,
  );

async function read(t: tf.Tensor): Promise<number[]> {
  const v = Array.from(await t.data());
  t.dispose();
  return v;
}

function expectClose(a: number[], b: number[], digits = 5): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(v).toBeCloseTo(b[i], digits));
}

beforeAll(async () => {
  await initTfBackend('wasm');
});

describe('LayerNorm', () => {
  it('normalises each position over features (mean 0, variance 1) at initialisation', async () => {
    const x = seq([2, 3, 6]);
    const y = new LayerNorm().apply(x) as tf.Tensor;
    const mean = await read(tf.mean(y, -1));
    const variance = await read(tf.moments(y, -1).variance);
    mean.forEach((m) => expect(m).toBeCloseTo(0, 5));
    variance.forEach((v) => expect(v).toBeCloseTo(1, 3));
    tf.dispose([x, y]);
  });

  it('matches tf.layers.layerNormalization numerically', async () => {
    const x = seq([2, 4, 5], 0.3);
    const ours = new LayerNorm({ epsilon: 1e-3 }).apply(x) as tf.Tensor;
    const stock = tf.layers.layerNormalization({ epsilon: 1e-3 }).apply(x) as tf.Tensor;
    expectClose(await read(ours), await read(stock), 5);
    x.dispose();
  });

  it('has a trainable gain and bias per feature', () => {
    const layer = new LayerNorm();
    layer.apply(tf.input({ shape: [3, 7] }));
    expect(layer.trainableWeights.map((w) => w.shape)).toEqual([[7], [7]]);
  });
});

describe('MultiHeadSelfAttention', () => {
  it('maps [batch, time, d] to the same shape, whatever its inner width', async () => {
    const x = seq([2, 5, 6]);
    const y = new MultiHeadSelfAttention({ units: 8, heads: 2 }).apply(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 5, 6]);
    tf.dispose([x, y]);
  });

  it('is permutation-equivariant over time (no position information of its own)', async () => {
    const layer = new MultiHeadSelfAttention({ units: 4, heads: 2 });
    const x = seq([1, 4, 3]);
    const order = [2, 0, 3, 1];
    const permuted = tf.gather(x, order, 1);
    const y = layer.apply(x) as tf.Tensor;
    const yPermutedThenFirst = tf.gather(y, order, 1);
    const yOfPermuted = layer.apply(permuted) as tf.Tensor;
    expectClose(await read(yOfPermuted), await read(yPermutedThenFirst), 5);
    tf.dispose([x, permuted, y]);
  });

  it.each([
    [true, 'earlier steps are unaffected'],
    [false, 'every step changes'],
  ])('causal=%s: changing the last step — %s', async (causal) => {
    const layer = new MultiHeadSelfAttention({ units: 4, heads: 2, causal });
    const x = seq([1, 5, 3]);
    const changed = tf.concat([tf.slice(x, [0, 0, 0], [1, 4, 3]), tf.fill([1, 1, 3], 9)], 1);
    const a = await read(layer.apply(x) as tf.Tensor);
    const b = await read(layer.apply(changed) as tf.Tensor);
    const firstSteps = 4 * 3;
    if (causal) expectClose(a.slice(0, firstSteps), b.slice(0, firstSteps), 6);
    else expect(Math.max(...a.slice(0, firstSteps).map((v, i) => Math.abs(v - b[i])))).toBeGreaterThan(1e-3);
    expect(Math.max(...a.slice(firstSteps).map((v, i) => Math.abs(v - b[firstSteps + i])))).toBeGreaterThan(1e-3);
    tf.dispose([x, changed]);
  });

  it('refuses units not divisible by heads', () => {
    expect(() => new MultiHeadSelfAttention({ units: 10, heads: 3 })).toThrow('divisible');
  });
});

describe('PositionalEncoding', () => {
  it('sinusoidal: adds sin/cos of position / 10000^(2i/d)', async () => {
    const d = 4;
    const y = await read(new PositionalEncoding().apply(tf.zeros([2, 3, d])) as tf.Tensor);
    const at = (b: number, t: number, i: number): number => y[(b * 3 + t) * d + i];
    expect(at(0, 0, 0)).toBeCloseTo(0, 6);
    expect(at(0, 0, 1)).toBeCloseTo(1, 6);
    expect(at(1, 1, 0)).toBeCloseTo(Math.sin(1), 6);
    expect(at(1, 1, 1)).toBeCloseTo(Math.cos(1), 6);
    expect(at(0, 2, 2)).toBeCloseTo(Math.sin(2 / Math.pow(10000, 2 / d)), 6);
    expect(at(0, 2, 3)).toBeCloseTo(Math.cos(2 / Math.pow(10000, 2 / d)), 6);
    expect(Array.from(sinusoidalPositions(3, d))).toEqual(Array.from(new Float32Array(y.slice(0, 3 * d))));
  });

  it('learned: one trainable [time, d] table that changes the output', async () => {
    const layer = new PositionalEncoding({ mode: 'learned' });
    const x = tf.zeros([1, 5, 2]);
    const y = layer.apply(x) as tf.Tensor;
    expect(layer.trainableWeights.map((w) => w.shape)).toEqual([[5, 2]]);
    expect(Math.max(...(await read(y)).map(Math.abs))).toBeGreaterThan(0);
    x.dispose();
  });
});

describe('SequencePooling', () => {
  it('last keeps the final step, mean averages the steps', async () => {
    const x = tf.tensor3d([
      [
        [1, 2],
        [3, 4],
        [5, 9],
      ],
    ]);
    expect(await read(new SequencePooling({ mode: 'last' }).apply(x) as tf.Tensor)).toEqual([5, 9]);
    expect(await read(new SequencePooling({ mode: 'mean' }).apply(x) as tf.Tensor)).toEqual([3, 5]);
    x.dispose();
  });
});
