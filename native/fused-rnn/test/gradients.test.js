'use strict';
// The addon against itself: double-precision backward passes equal central finite
// differences of the forward pass; the float kernels (AVX2 or portable) equal the double ones.
const test = require('node:test');
const assert = require('node:assert');
const { addon, loadError } = require('..');

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}
const filled = (n, r, scale = 1) => Float64Array.from({ length: n }, () => r() * scale);

const cells = {
  lstm: { gates: 4, fwd: 'lstmForward', bwd: 'lstmBackward' },
  gru: { gates: 3, fwd: 'gruForward', bwd: 'gruBackward' },
};

function problem(cell, [B, T, I, H], seed) {
  const r = rng(seed);
  const G = cells[cell].gates * H;
  return {
    dims: [B, T, I, H],
    x: filled(B * T * I, r),
    W: filled(I * G, r, 0.5),
    U: filled(H * G, r, 0.5),
    b: filled(G, r, 0.3),
    R: filled(B * T * H, r),
  };
}

// h for every step (return_sequences), so the loss can weight each step.
function forward(cell, p, act, Ctor = Float64Array) {
  const [B, T, , H] = p.dims;
  const h = new Ctor(B * T * H);
  const state = new Ctor(addon.stateSize(cell, p.dims));
  addon[cells[cell].fwd](Ctor.from(p.x), Ctor.from(p.W), Ctor.from(p.U), Ctor.from(p.b), p.dims, act, true, h, state);
  return { h, state };
}

// loss = Σ R∘h over every step (sequence) or over the last step only.
function loss(cell, p, act, sequence) {
  const [B, T, , H] = p.dims;
  const { h } = forward(cell, p, act);
  let s = 0;
  for (let b = 0; b < B; b++)
    for (let t = sequence ? 0 : T - 1; t < T; t++)
      for (let j = 0; j < H; j++) s += p.R[(b * T + t) * H + j] * h[(b * T + t) * H + j];
  return s;
}

function grads(cell, p, act, sequence, Ctor = Float64Array) {
  const [B, T, I, H] = p.dims;
  const G = cells[cell].gates * H;
  const state = new Ctor(addon.stateSize(cell, p.dims));
  const y = new Ctor((sequence ? B * T : B) * H);
  addon[cells[cell].fwd](
    Ctor.from(p.x),
    Ctor.from(p.W),
    Ctor.from(p.U),
    Ctor.from(p.b),
    p.dims,
    act,
    sequence,
    y,
    state,
  );
  const dy = new Ctor(sequence ? B * T * H : B * H);
  for (let b = 0; b < B; b++)
    for (let j = 0; j < H; j++) {
      if (sequence) for (let t = 0; t < T; t++) dy[(b * T + t) * H + j] = p.R[(b * T + t) * H + j];
      else dy[b * H + j] = p.R[(b * T + T - 1) * H + j];
    }
  const g = { x: new Ctor(B * T * I), W: new Ctor(I * G), U: new Ctor(H * G), b: new Ctor(G) };
  addon[cells[cell].bwd](state, dy, p.dims, act, sequence, g.x, g.W, g.U, g.b);
  return g;
}

function relErr(a, b) {
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

const skip = addon ? false : `addon not built: ${loadError}`;

for (const cell of ['lstm', 'gru']) {
  for (const sequence of [false, true]) {
    for (const act of [0, 1]) {
      test(
        `${cell} ${sequence ? 'sequence' : 'last step'} ${act ? 'hardSigmoid' : 'sigmoid'}: gradients equal finite differences (1e-5)`,
        { skip },
        () => {
          const p = problem(cell, [3, 5, 2, 4], 11 + act);
          const g = grads(cell, p, act, sequence);
          for (const name of ['x', 'W', 'U', 'b']) {
            const fd = new Float64Array(p[name].length);
            for (let i = 0; i < fd.length; i++) {
              const keep = p[name][i];
              p[name][i] = keep + 1e-6;
              const up = loss(cell, p, act, sequence);
              p[name][i] = keep - 1e-6;
              const down = loss(cell, p, act, sequence);
              p[name][i] = keep;
              fd[i] = (up - down) / 2e-6;
            }
            assert.ok(relErr(g[name], fd) < 1e-5, `${name}: relative error ${relErr(g[name], fd)}`);
          }
        },
      );
    }
    test(
      `${cell} ${sequence ? 'sequence' : 'last step'}: float kernels equal double ones (odd sizes exercise the edge paths)`,
      { skip },
      () => {
        const p = problem(cell, [7, 6, 3, 21], 5);
        const f = grads(cell, p, 0, sequence, Float32Array);
        const d = grads(cell, p, 0, sequence, Float64Array);
        for (const name of ['x', 'W', 'U', 'b'])
          assert.ok(relErr(f[name], d[name]) < 1e-5, `${name}: ${relErr(f[name], d[name])}`);
        const hf = forward(cell, p, 0, Float32Array).h;
        const hd = forward(cell, p, 0, Float64Array).h;
        assert.ok(relErr(hf, hd) < 1e-6, `h: ${relErr(hf, hd)}`);
      },
    );
  }
}

for (const cell of ['lstm', 'gru']) {
  test(
    `${cell}, 17 rows (split into chunks when there are threads): gradients equal finite differences (1e-5)`,
    { skip },
    () => {
      const p = problem(cell, [17, 3, 2, 3], 23);
      const g = grads(cell, p, 0, true);
      for (const name of ['x', 'W', 'U', 'b']) {
        const fd = new Float64Array(p[name].length);
        for (let i = 0; i < fd.length; i++) {
          const keep = p[name][i];
          p[name][i] = keep + 1e-6;
          const up = loss(cell, p, 0, true);
          p[name][i] = keep - 1e-6;
          const down = loss(cell, p, 0, true);
          p[name][i] = keep;
          fd[i] = (up - down) / 2e-6;
        }
        assert.ok(relErr(g[name], fd) < 1e-5, `${name}: relative error ${relErr(g[name], fd)}`);
      }
    },
  );
}

test(
  "inference (no state) gives the forward pass's outputs, every step or the last, on one chunk and on several",
  { skip },
  () => {
    for (const cell of ['lstm', 'gru']) {
      for (const dims of [
        [3, 5, 2, 4],
        [21, 6, 3, 19],
      ]) {
        const p = problem(cell, dims, 31);
        const [B, T, , H] = dims;
        for (const sequence of [true, false]) {
          for (const Ctor of [Float64Array, Float32Array]) {
            const args = [Ctor.from(p.x), Ctor.from(p.W), Ctor.from(p.U), Ctor.from(p.b), dims, 0, sequence];
            const yTrain = new Ctor((sequence ? B * T : B) * H);
            addon[cells[cell].fwd](...args, yTrain, new Ctor(addon.stateSize(cell, dims)));
            const yInfer = new Ctor(yTrain.length);
            addon[cells[cell].fwd](...args, yInfer, null);
            assert.ok(
              relErr(yInfer, yTrain) < (Ctor === Float64Array ? 1e-12 : 1e-6),
              `${cell} ${dims} ${sequence}: ${relErr(yInfer, yTrain)}`,
            );
          }
        }
      }
    }
  },
);

test(
  'matMul equals the naive product for every transpose, broadcast batch and a size split over threads',
  { skip },
  () => {
    const r = rng(41);
    for (const [batch, bA, bB, M, N, K] of [
      [3, 3, 1, 5, 7, 9],
      [4, 1, 4, 33, 20, 17],
      [2, 2, 2, 64, 64, 64],
      [1, 1, 1, 200, 300, 100],
    ]) {
      for (const ta of [false, true])
        for (const tb of [false, true]) {
          const a = Float32Array.from({ length: bA * M * K }, r),
            b = Float32Array.from({ length: bB * K * N }, r),
            c = new Float32Array(batch * M * N);
          addon.matMul(a, b, [batch, bA, bB, M, N, K], ta, tb, c);
          const want = new Float64Array(c.length);
          for (let i = 0; i < batch; i++)
            for (let m = 0; m < M; m++)
              for (let n = 0; n < N; n++) {
                let s = 0;
                for (let k = 0; k < K; k++) {
                  const av = ta ? a[(bA === 1 ? 0 : i) * M * K + k * M + m] : a[(bA === 1 ? 0 : i) * M * K + m * K + k];
                  const bv = tb ? b[(bB === 1 ? 0 : i) * K * N + n * K + k] : b[(bB === 1 ? 0 : i) * K * N + k * N + n];
                  s += av * bv;
                }
                want[(i * M + m) * N + n] = s;
              }
          assert.ok(relErr(c, want) < 1e-6, `${[batch, bA, bB, M, N, K, ta, tb]}: ${relErr(c, want)}`);
        }
    }
    assert.throws(
      () =>
        addon.matMul(new Float32Array(4), new Float32Array(4), [2, 3, 1, 1, 1, 1], false, false, new Float32Array(2)),
      /batchA/,
    );
  },
);

test('wrong lengths and types are TypeErrors, not crashes', { skip }, () => {
  const f = new Float32Array(4);
  assert.throws(() => addon.lstmForward(f, f, f, null, [1, 1, 1, 1], 0, true, f, f), /expected/);
  assert.throws(() => addon.lstmForward([1, 2], f, f, null, [1, 1, 1, 1], 0, true, f, f), TypeError);
  assert.throws(() => addon.gruForward(f, f, f, null, [1, 1, 0, 1], 0, true, f, f), /positive/);
  const size = addon.stateSize('lstm', [1, 1, 1, 1]);
  assert.throws(
    () =>
      addon.lstmForward(
        new Float32Array(1),
        new Float64Array(4),
        new Float32Array(4),
        null,
        [1, 1, 1, 1],
        0,
        true,
        new Float32Array(1),
        new Float32Array(size),
      ),
    /same element type/,
  );
  assert.throws(
    () =>
      addon.lstmBackward(new Float32Array(size), f.subarray(0, 1), [1, 1, 1, 1], 0, true, f.subarray(0, 1), f, f, null),
    /not written by a forward pass/,
  );
  assert.throws(() => addon.stateSize('rnn', [1, 1, 1, 1]), TypeError);
});

// Batches large enough to be split over threads (chunks of ≥ 8 rows) give the same result
// as one chunk: the single-thread run is FUSED_RNN_THREADS=1 in a child process.
test(
  'a batch split over threads equals the one-thread result',
  { skip: skip || (addon && addon.info().threads < 2 ? 'one thread here' : false) },
  () => {
    const { spawnSync } = require('node:child_process');
    const script = `
    const { addon } = require(${JSON.stringify(require.resolve('..'))});
    const r = ${rng.toString()}(3);
    const [B, T, I, H] = [19, 7, 3, 10];
    const out = {};
    for (const [cell, gates] of [['lstm', 4], ['gru', 3]]) {
      const G = gates * H, f = (n) => Float32Array.from({ length: n }, () => r() * 0.5);
      const x = f(B * T * I), W = f(I * G), U = f(H * G), b = f(G), dy = f(B * T * H);
      const y = new Float32Array(B * T * H), s = new Float32Array(addon.stateSize(cell, [B, T, I, H]));
      addon[cell + 'Forward'](x, W, U, b, [B, T, I, H], 0, true, y, s);
      const g = [new Float32Array(B * T * I), new Float32Array(I * G), new Float32Array(H * G), new Float32Array(G)];
      addon[cell + 'Backward'](s, dy, [B, T, I, H], 0, true, ...g);
      out[cell] = [y, ...g].map((a) => Array.from(a));
    }
    process.stdout.write(JSON.stringify(out));`;
    const run = (threads) =>
      JSON.parse(
        spawnSync(process.execPath, ['-e', script], {
          env: { ...process.env, FUSED_RNN_THREADS: String(threads) },
          encoding: 'utf8',
        }).stdout,
      );
    const one = run(1);
    const many = run(addon.info().threads);
    for (const cell of ['lstm', 'gru'])
      one[cell].forEach((a, i) =>
        assert.ok(relErr(many[cell][i], a) < 1e-6, `${cell} output ${i}: ${relErr(many[cell][i], a)}`),
      );
  },
);

test('reports which float kernels run', { skip }, () => {
  const info = addon.info();
  assert.ok(['avx512', 'avx2-fma', 'portable'].includes(info.kernels));
  if (process.env.FUSED_RNN_SIMD === 'off') assert.strictEqual(info.kernels, 'portable');
  if (process.env.FUSED_RNN_SIMD === 'avx2') assert.notStrictEqual(info.kernels, 'avx512');
  assert.ok(info.threads >= 1);
});
