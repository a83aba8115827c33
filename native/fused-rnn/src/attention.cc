// Scaled dot-product attention (the core of a multi-head self-attention layer) and layer
// normalisation, forward and backward, each one call instead of the ~15 (attention) and ~9
// (layer norm) tfjs ops per direction whose per-op overhead dominated the transformer's step.
//
// Attention reads Q, K and V straight out of the fused [B·T, 3·heads·dk] projection (the
// layer's qkv matmul) and writes the merged context [B·T, heads·dk]: no split, reshape or
// transpose. Its forward keeps the softmax probabilities [B, heads, T, T] for the backward.
// Loops put the contiguous axis innermost and never reorder a sum, so the compiler vectorises
// them without changing a result (the build has -ffp-contract=off: no fused multiply-adds);
// the products run on the addon's SIMD GEMM (the widest the CPU has; FUSED_RNN_SIMD caps it).
#include <algorithm>
#include <cmath>
#include <vector>
#include "kernels.h"
#include "napi_call.h"
#include "pool.h"

namespace {

using namespace fused_napi;

struct AttnDims {
  int B, T, H, D;  // batch, time steps, heads, key size
  long U() const { return long(H) * D; }
};

template <typename T>
const fused::Passes<T>& passes_of();
template <>
const fused::Passes<float>& passes_of<float>() { return fused::float_passes(); }
template <>
const fused::Passes<double>& passes_of<double>() { return fused::double_passes(); }

// Every product below is the addon's strided register-tiled GEMM (kernels.h), on Q, K and V
// where they lie in qkv (row stride 3·U) and on the head's T×T block.
template <typename T>
void attention_forward_head(const AttnDims& d, int b, int h, T scale, const T* qkv, T* ctx, T* probs) {
  const int Tn = d.T, D = d.D;
  const long U = d.U(), ld = 3 * U;
  const auto& k = passes_of<T>();
  thread_local std::vector<T> scratch;
  scratch.resize(size_t(D) * Tn + (probs ? 0 : size_t(Tn) * Tn));
  T* Kt = scratch.data();  // Kᵀ [D, T]
  T* S = probs ? probs + size_t(b * d.H + h) * Tn * Tn : Kt + size_t(D) * Tn;
  const T* base = qkv + size_t(b) * Tn * ld + size_t(h) * D;
  for (int s = 0; s < Tn; s++)
    for (int j = 0; j < D; j++) Kt[size_t(j) * Tn + s] = base[size_t(s) * ld + U + j];
  k.gemm(Tn, Tn, D, base, ld, 1, Kt, Tn, S, Tn, false);  // S = Q·Kᵀ
  k.softmax_rows(Tn, Tn, scale, S);
  k.gemm(Tn, D, Tn, S, Tn, 1, base + 2 * U, ld, ctx + size_t(b) * Tn * U + size_t(h) * D, U, false);  // P·V
}

// dS = P ∘ (dP − Σₛ P∘dP)·scale with dP = dC·Vᵀ; dQ = dS·K, dK = dSᵀ·Q, dV = Pᵀ·dC.
template <typename T>
void attention_backward_head(const AttnDims& d, int b, int h, T scale, const T* qkv, const T* probs, const T* dctx, T* dqkv) {
  const int Tn = d.T, D = d.D;
  const long U = d.U(), ld = 3 * U;
  const auto& k = passes_of<T>();
  thread_local std::vector<T> scratch;
  scratch.resize(size_t(D) * Tn + size_t(Tn) * Tn);
  T* Vt = scratch.data();
  T* dS = Vt + size_t(D) * Tn;
  const size_t off = size_t(b) * Tn * ld + size_t(h) * D;
  const T* base = qkv + off;
  T* dbase = dqkv + off;
  const T* dc = dctx + size_t(b) * Tn * U + size_t(h) * D;
  const T* P = probs + size_t(b * d.H + h) * Tn * Tn;
  for (int s = 0; s < Tn; s++)
    for (int j = 0; j < D; j++) Vt[size_t(j) * Tn + s] = base[size_t(s) * ld + 2 * U + j];
  k.gemm(Tn, D, Tn, P, 1, Tn, dc, U, dbase + 2 * U, ld, false);  // dV = Pᵀ·dC
  k.gemm(Tn, Tn, D, dc, U, 1, Vt, Tn, dS, Tn, false);            // dP = dC·Vᵀ
  k.softmax_grad_rows(Tn, Tn, scale, P, dS);
  k.gemm(Tn, D, Tn, dS, Tn, 1, base + U, ld, dbase, ld, false);  // dQ = dS·K
  k.gemm(Tn, D, Tn, dS, 1, Tn, base, ld, dbase + U, ld, false);  // dK = dSᵀ·Q
}

// The (batch, head) pairs never share an output element: split them over the pool's threads.
template <typename F>
void per_head(const AttnDims& d, F&& f) {
  const int pairs = d.B * d.H;
  const double work = double(pairs) * d.T * d.T * d.D;
  const int parts = work < 2e5 ? 1 : std::min(fused::max_threads(), pairs);
  fused::parallel_for(parts, [&](int part) {
    for (int i = int(long(part) * pairs / parts); i < int(long(part + 1) * pairs / parts); i++) f(i / d.H, i % d.H);
  });
}

bool attn_dims(Call& c, size_t i, AttnDims& d) {
  int32_t v[4];
  if (!c.ints(i, "dims must be [batch, timeSteps, heads, keySize], positive integers", 4, v)) return false;
  d = AttnDims{v[0], v[1], v[2], v[3]};
  return true;
}

}  // namespace

namespace fused_napi {

// attentionForward(qkv [B·T, 3·H·D], dims [B, T, H, D], ctx [B·T, H·D], probs [B·H·T·T] | null):
// softmax(Q·Kᵀ/√D)·V per head; probs (kept for the backward pass) null for inference.
napi_value attention_forward(napi_env env, napi_callback_info info) {
  Call c(env, info);
  AttnDims d{};
  if (!attn_dims(c, 1, d)) return nullptr;
  const size_t BT = size_t(d.B) * d.T;
  const Arr qkv = c.array(0, "qkv", BT * 3 * d.U()), ctx = c.array(2, "ctx", BT * d.U());
  const Arr probs = c.array(3, "probs", size_t(d.B) * d.H * d.T * d.T, true);
  const bool dbl = c.same_type({&qkv, &ctx, &probs});
  if (c.failed) return nullptr;
  if (dbl) {
    const double scale = 1.0 / std::sqrt(double(d.D));
    per_head(d, [&](int b, int h) { attention_forward_head<double>(d, b, h, scale, p<double>(qkv), p<double>(ctx), p<double>(probs)); });
  } else {
    const float scale = float(1.0 / std::sqrt(double(d.D)));  // tfjs: a float32 scalar 1/√D
    per_head(d, [&](int b, int h) { attention_forward_head<float>(d, b, h, scale, p<float>(qkv), p<float>(ctx), p<float>(probs)); });
  }
  return nullptr;
}

// attentionBackward(qkv, probs, dctx, dims, dqkv): dqkv [B·T, 3·H·D] (every element written).
napi_value attention_backward(napi_env env, napi_callback_info info) {
  Call c(env, info);
  AttnDims d{};
  if (!attn_dims(c, 3, d)) return nullptr;
  const size_t BT = size_t(d.B) * d.T;
  const Arr qkv = c.array(0, "qkv", BT * 3 * d.U()), probs = c.array(1, "probs", size_t(d.B) * d.H * d.T * d.T);
  const Arr dctx = c.array(2, "dctx", BT * d.U()), dqkv = c.array(4, "dqkv", BT * 3 * d.U());
  const bool dbl = c.same_type({&qkv, &probs, &dctx, &dqkv});
  if (c.failed) return nullptr;
  if (dbl) {
    const double scale = 1.0 / std::sqrt(double(d.D));
    per_head(d, [&](int b, int h) { attention_backward_head<double>(d, b, h, scale, p<double>(qkv), p<double>(probs), p<double>(dctx), p<double>(dqkv)); });
  } else {
    const float scale = float(1.0 / std::sqrt(double(d.D)));
    per_head(d, [&](int b, int h) { attention_backward_head<float>(d, b, h, scale, p<float>(qkv), p<float>(probs), p<float>(dctx), p<float>(dqkv)); });
  }
  return nullptr;
}

}  // namespace fused_napi
