'use strict';
// The addon against itself: double-precision backward passes equal central finite
// differences of the forward pass; the float kernels (AVX2 or portable) equal the double ones.
const test = require('node:test');
const assert = require('node:assert');
const { addon, loadError, savedSize } = require('..');

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}
const filled = (n, r, scale = 1) => Float64Array.from({ length: n }, () => r() * scale);

const cells = { lstm: { gates: 4, fwd: 'lstmForward', bwd: 'lstmBackward' }, gru: { gates: 3, fwd: 'gruForward', bwd: 'gruBackward' } };

function problem(cell, [B, T, I, H], seed) {
  const r = rng(seed);
  const G = cells[cell].gates * H;
  return { dims: [B, T, I, H], x: filled(B * T * I, r), W: filled(I * G, r, 0.5), U: filled(H * G, r, 0.5), b: filled(G, r, 0.3), R: filled(B * T * H, r) };
}

function forward(cell, p, act, Ctor = Float64Array) {
  const [B, T, , H] = p.dims;
  const h = new Ctor(B * T * H);
  const saved = new Ctor(savedSize(cell, B, T, H));
  addon[cells[cell].fwd](Ctor.from(p.x), Ctor.from(p.W), Ctor.from(p.U), Ctor.from(p.b), p.dims, act, h, saved);
  return { h, saved };
}

// loss = Σ R∘h over every step (sequence) or over the last step only.
function loss(cell, p, act, sequence) {
  const [B, T, , H] = p.dims;
  const { h } = forward(cell, p, act);
  let s = 0;
  for (let b = 0; b < B; b++) for (let t = sequence ? 0 : T - 1; t < T; t++) for (let j = 0; j < H; j++) s += p.R[(b * T + t) * H + j] * h[(b * T + t) * H + j];
  return s;
}

function grads(cell, p, act, sequence, Ctor = Float64Array) {
  const [B, T, I, H] = p.dims;
  const G = cells[cell].gates * H;
  const { h, saved } = forward(cell, p, act, Ctor);
  const dh = new Ctor(sequence ? B * T * H : B * H);
  for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) {
    if (sequence) for (let t = 0; t < T; t++) dh[(b * T + t) * H + j] = p.R[(b * T + t) * H + j];
    else dh[b * H + j] = p.R[(b * T + T - 1) * H + j];
  }
  const g = { x: new Ctor(B * T * I), W: new Ctor(I * G), U: new Ctor(H * G), b: new Ctor(G) };
  addon[cells[cell].bwd](Ctor.from(p.x), Ctor.from(p.W), Ctor.from(p.U), h, saved, dh, p.dims, act, sequence, g.x, g.W, g.U, g.b);
  return g;
}

function relErr(a, b) {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num += (a[i] - b[i]) ** 2; den += b[i] ** 2; }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

const skip = addon ? false : `addon not built: ${loadError}`;

for (const cell of ['lstm', 'gru']) {
  for (const sequence of [false, true]) {
    for (const act of [0, 1]) {
      test(`${cell} ${sequence ? 'sequence' : 'last step'} ${act ? 'hardSigmoid' : 'sigmoid'}: gradients equal finite differences (1e-5)`, { skip }, () => {
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
      });
    }
    test(`${cell} ${sequence ? 'sequence' : 'last step'}: float kernels equal double ones (odd sizes exercise the edge paths)`, { skip }, () => {
      const p = problem(cell, [7, 6, 3, 21], 5);
      const f = grads(cell, p, 0, sequence, Float32Array);
      const d = grads(cell, p, 0, sequence, Float64Array);
      for (const name of ['x', 'W', 'U', 'b']) assert.ok(relErr(f[name], d[name]) < 1e-5, `${name}: ${relErr(f[name], d[name])}`);
      const hf = forward(cell, p, 0, Float32Array).h;
      const hd = forward(cell, p, 0, Float64Array).h;
      assert.ok(relErr(hf, hd) < 1e-6, `h: ${relErr(hf, hd)}`);
    });
  }
}

test('wrong lengths and types are TypeErrors, not crashes', { skip }, () => {
  const f = new Float32Array(4);
  assert.throws(() => addon.lstmForward(f, f, f, null, [1, 1, 1, 1], 0, f, f), /expected/);
  assert.throws(() => addon.lstmForward([1, 2], f, f, null, [1, 1, 1, 1], 0, f, f), TypeError);
  assert.throws(() => addon.gruForward(f, f, f, null, [1, 1, 0, 1], 0, f, f), /positive/);
  assert.throws(() => addon.lstmForward(new Float32Array(1), new Float64Array(4), new Float32Array(4), null, [1, 1, 1, 1], 0, new Float32Array(1), new Float32Array(6)), /same element type/);
});

test('reports which float kernels run', { skip }, () => {
  const info = addon.info();
  assert.ok(['avx2-fma', 'portable'].includes(info.kernels));
  if (process.env.FUSED_RNN_SIMD === 'off') assert.strictEqual(info.kernels, 'portable');
});
