import * as tf from '@tensorflow/tfjs';
import { initTfBackend, isWasmBatchMatMulPatched, patchWasmBatchMatMul, unpatchWasmBatchMatMul } from './index';

type Case = { a: number[]; b: number[]; ta: boolean; tb: boolean };

// Shapes as the gradients of dense and recurrent layers produce them, plus batched and
// broadcast (rank 3 × rank 2 via the 3D path) ones.
const cases: Case[] = [
  { a: [5, 3], b: [3, 4], ta: false, tb: false },
  { a: [3, 5], b: [3, 4], ta: true, tb: false },
  { a: [5, 3], b: [4, 3], ta: false, tb: true },
  { a: [3, 5], b: [4, 3], ta: true, tb: true },
  { a: [2, 3, 5], b: [2, 4, 3], ta: true, tb: true },
  { a: [2, 6, 3], b: [1, 6, 4], ta: true, tb: false },
];

function values(shape: number[], offset: number): tf.Tensor {
  const n = shape.reduce((x, y) => x * y, 1);
  return tf.tensor(
    Array.from({ length: n }, (_, i) => Math.sin(i + offset)),
    shape,
  );
}

async function product(c: Case): Promise<Float32Array> {
  return tf.tidy(() => tf.matMul(values(c.a, 1), values(c.b, 2), c.ta, c.tb)).data() as Promise<Float32Array>;
}

describe('wasm BatchMatMul patch (transpose first, then plain matmul)', () => {
  let reference: Float32Array[];

  beforeAll(async () => {
    await initTfBackend('cpu');
    reference = await Promise.all(cases.map(product));
    await initTfBackend('wasm');
  });
  afterAll(() => patchWasmBatchMatMul());

  it('is active after initTfBackend("wasm")', () => {
    expect(isWasmBatchMatMulPatched()).toBe(true);
  });

  it.each(cases.map((c, i) => [JSON.stringify(c), i] as const))(
    'gives the cpu backend’s product for %s',
    async (_, i) => {
      const got = await product(cases[i]);
      const want = reference[i];
      expect(got.length).toBe(want.length);
      for (let k = 0; k < want.length; k++) expect(got[k]).toBeCloseTo(want[k], 5);
    },
  );

  it('gives the same numbers as the stock wasm kernel, and both agree with gradients', async () => {
    const grads = async (): Promise<number[]> => {
      const a = values([4, 3], 3);
      const b = values([3, 2], 4);
      const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, y))))([a, b]);
      const out = [...(await ga.data()), ...(await gb.data())];
      tf.dispose([a, b, ga, gb]);
      return out;
    };
    const patched = await grads();
    unpatchWasmBatchMatMul();
    expect(isWasmBatchMatMulPatched()).toBe(false);
    const stock = await grads();
    patchWasmBatchMatMul();
    expect(patched.length).toBe(stock.length);
    patched.forEach((v, k) => expect(v).toBeCloseTo(stock[k], 4));
  });

  it('frees its transposed temporaries (no wasm buffers left behind)', async () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const a = values([3, 5], 5);
    const b = values([4, 3], 6);
    const before = backend.numDataIds();
    for (let i = 0; i < 5; i++) tf.matMul(a, b, true, true).dispose();
    expect(backend.numDataIds()).toBe(before);
    tf.dispose([a, b]);
  });
});
