import * as tf from '@tensorflow/tfjs';
import { initTfBackend, isWasmIdentityAliased, restoreWasmIdentity } from './index';

describe('wasm Identity patch (reference-counted, no copy)', () => {
  beforeAll(async () => {
    await initTfBackend('wasm');
  });

  it('is active after initTfBackend("wasm") and off for the stock kernels', async () => {
    expect(isWasmIdentityAliased()).toBe(true);
    await initTfBackend('wasm', { patchWasmMatMul: false });
    expect(isWasmIdentityAliased()).toBe(false);
    await initTfBackend('wasm');
    expect(isWasmIdentityAliased()).toBe(true);
  });

  it('a clone shares the buffer, outlives the original, and the buffer goes with the last one', async () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const before = backend.numDataIds();
    const a = tf.tensor([1, 2, 3]);
    const b = tf.clone(a);
    expect(backend.numDataIds()).toBe(before + 1); // one buffer, two tensors
    a.dispose();
    expect(Array.from(await b.data())).toEqual([1, 2, 3]);
    b.dispose();
    expect(backend.numDataIds()).toBe(before);
  });

  it('gradients through kept tensors are unchanged (they were copies before)', async () => {
    const grads = () => {
      const x = tf.tensor([
        [0.5, -1],
        [2, 3],
      ]);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.square(t), tf.sigmoid(t))))(x);
      const out = Array.from(g.dataSync());
      tf.dispose([x, g]);
      return out;
    };
    const aliased = grads();
    restoreWasmIdentity();
    const copied = grads();
    await initTfBackend('wasm');
    expect(aliased).toEqual(copied);
  });
});
