'use strict';
// Attention and layer norm on the addon: double-precision backward passes equal central
// finite differences of the forward pass (1e-5 relative), the float kernels equal the double
// ones, inference (no probs kept) equals training's forward, and bad arguments throw.
const test = require('node:test');
const assert = require('node:assert');
const { addon, loadError } = require('..');

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}
const filled = (n, r, scale = 1) => Float64Array.from({ length: n }, () => r() * scale);
function relErr(a, b) {
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}
const dot = (a, b) => a.reduce((s, v, i) => s + v * b[i], 0);
/** Central differences of loss() with respect to every element of arr. */
function finiteDiff(arr, loss) {
  const fd = new Float64Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const keep = arr[i];
    arr[i] = keep + 1e-6;
    const up = loss();
    arr[i] = keep - 1e-6;
    const down = loss();
    arr[i] = keep;
    fd[i] = (up - down) / 2e-6;
  }
  return fd;
}
const skip = addon ? false : `addon not built: ${loadError}`;

function attention(dims, qkv, Ctor = Float64Array, keep = true) {
  const [B, T, H, D] = dims;
  const ctx = new Ctor(B * T * H * D);
  const probs = keep ? new Ctor(B * H * T * T) : null;
  addon.attentionForward(Ctor.from(qkv), dims, ctx, probs);
  return { ctx, probs };
}
function attentionGrad(dims, qkv, R, Ctor = Float64Array) {
  const { probs } = attention(dims, qkv, Ctor);
  const dqkv = new Ctor(qkv.length);
  addon.attentionBackward(Ctor.from(qkv), probs, Ctor.from(R), dims, dqkv);
  return dqkv;
}

for (const dims of [
  [2, 5, 3, 4],
  [9, 7, 2, 3],
]) {
  test(`attention ${dims.join('×')}: dqkv equals finite differences (1e-5)`, { skip }, () => {
    const [B, T, H, D] = dims;
    const r = rng(31 + B);
    const qkv = filled(B * T * 3 * H * D, r);
    const R = filled(B * T * H * D, r);
    const g = attentionGrad(dims, qkv, R);
    const fd = finiteDiff(qkv, () => dot(R, attention(dims, qkv).ctx));
    assert.ok(relErr(g, fd) < 1e-5, `relative error ${relErr(g, fd)}`);
  });
}

test('attention: float equals double, inference equals training, softmax rows sum to 1', { skip }, () => {
  const dims = [5, 30, 4, 16];
  const [B, T, H, D] = dims;
  const r = rng(3);
  const qkv = filled(B * T * 3 * H * D, r, 2);
  const R = filled(B * T * H * D, r);
  const d = attention(dims, qkv);
  const f = attention(dims, qkv, Float32Array);
  assert.ok(relErr(f.ctx, d.ctx) < 1e-6, `ctx: ${relErr(f.ctx, d.ctx)}`);
  assert.deepStrictEqual(attention(dims, qkv, Float32Array, false).ctx, f.ctx);
  for (let row = 0; row < B * H * T; row++) {
    let s = 0;
    for (let j = 0; j < T; j++) s += d.probs[row * T + j];
    assert.ok(Math.abs(s - 1) < 1e-12);
  }
  const gf = attentionGrad(dims, qkv, R, Float32Array);
  const gd = attentionGrad(dims, qkv, R);
  assert.ok(relErr(gf, gd) < 1e-5, `dqkv: ${relErr(gf, gd)}`);
});

function layerNorm(dims, x, gamma, beta, Ctor = Float64Array) {
  const y = new Ctor(x.length);
  const stats = new Ctor(2 * dims[0]);
  addon.layerNormForward(Ctor.from(x), Ctor.from(gamma), Ctor.from(beta), dims, 1e-6, y, stats);
  return { y, stats };
}

test('layer norm: dx, dγ, dβ equal finite differences (1e-5); float equals double', { skip }, () => {
  const dims = [7, 6];
  const [rows, d] = dims;
  const r = rng(5);
  const p = { x: filled(rows * d, r, 2), gamma: filled(d, r), beta: filled(d, r) };
  const R = filled(rows * d, r);
  const { stats } = layerNorm(dims, p.x, p.gamma, p.beta);
  const g = { x: new Float64Array(rows * d), gamma: new Float64Array(d), beta: new Float64Array(d) };
  addon.layerNormBackward(p.x, p.gamma, stats, R, dims, g.x, g.gamma, g.beta);
  for (const name of ['x', 'gamma', 'beta']) {
    const fd = finiteDiff(p[name], () => dot(R, layerNorm(dims, p.x, p.gamma, p.beta).y));
    assert.ok(relErr(g[name], fd) < 1e-5, `${name}: relative error ${relErr(g[name], fd)}`);
  }
  const yf = layerNorm(dims, p.x, p.gamma, p.beta, Float32Array).y;
  assert.ok(relErr(yf, layerNorm(dims, p.x, p.gamma, p.beta).y) < 1e-6);
});

test('attention and layer norm: wrong lengths, dims or types throw TypeErrors', { skip }, () => {
  const f = (n) => new Float32Array(n);
  assert.throws(() => addon.attentionForward(f(10), [1, 2, 1, 2], f(4), null), TypeError);
  assert.throws(() => addon.attentionForward(f(12), [1, 2, 1], f(4), null), TypeError);
  assert.throws(() => addon.attentionForward(f(12), [1, 2, 1, 2], new Float64Array(4), null), TypeError);
  assert.throws(() => addon.attentionBackward(f(12), f(3), f(4), [1, 2, 1, 2], f(12)), TypeError);
  assert.throws(() => addon.layerNormForward(f(6), f(3), f(3), [2, 3], 'x', f(6), null), TypeError);
  assert.throws(() => addon.layerNormBackward(f(6), f(3), f(4), f(6), [2, 3], f(6), f(3), f(2)), TypeError);
});
