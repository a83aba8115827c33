// Fused GRU over a whole sequence with tfjs-layers' GRUCell semantics (reset_after = false,
// bias on the input side only): [x_z, x_r, x_h] = x·W + b;
// z = σ(x_z + h₋₁·U_z), r = σ(x_r + h₋₁·U_r), h̃ = tanh(x_h + (r∘h₋₁)·U_h),
// h = z∘h₋₁ + (1 − z)∘h̃; zero initial state. U = [U_z | U_r | U_h], [H, 3H] row-major.
#pragma once
#include <cstring>
#include "kernels.h"
#include "rnn_common.h"

namespace fused {

// saved = [z, r, h̃ (B·T·3H) | r∘h₋₁ (B·T·H)]
inline size_t gru_saved_size(const Dims& d) { return size_t(d.B) * d.T * 4 * d.H; }

template <typename T>
void gru_forward(const Kernels<T>& k, const Dims& d, RecAct act, const T* x, const T* W, const T* U, const T* b, T* h, T* saved) {
  const int B = d.B, S = d.T, I = d.I, H = d.H, G3 = 3 * H;
  T* G = saved;
  T* RH = saved + size_t(B) * S * G3;
  k.gemm(B * S, G3, I, x, I, 1, W, G3, G, G3, false);
  if (b) add_bias(size_t(B) * S, G3, b, G);
  for (int t = 0; t < S; t++) {
    const T* hp0 = t > 0 ? h + (t - 1) * H : nullptr;
    if (hp0) k.gemm(B, 2 * H, H, hp0, long(S) * H, 1, U, G3, G + t * G3, long(S) * G3, true);
    for (int r = 0; r < B; r++) {
      const size_t row = size_t(r) * S + t;
      T* g = G + row * G3;
      activate(k, act, 2 * H, g);  // z, r
      T* rh = RH + row * H;
      const T* hp = hp0 ? h + (row - 1) * H : nullptr;
      for (int j = 0; j < H; j++) rh[j] = hp ? g[H + j] * hp[j] : T(0);
    }
    if (hp0) k.gemm(B, H, H, RH + t * H, long(S) * H, 1, U + 2 * H, G3, G + t * G3 + 2 * H, long(S) * G3, true);
    for (int r = 0; r < B; r++) {
      const size_t row = size_t(r) * S + t;
      T* g = G + row * G3;
      k.tanh(H, g + 2 * H, g + 2 * H);
      const T* hp = hp0 ? h + (row - 1) * H : nullptr;
      T* hr = h + row * H;
      for (int j = 0; j < H; j++) hr[j] = (hp ? g[j] * hp[j] : T(0)) + (T(1) - g[j]) * g[2 * H + j];
    }
  }
}

template <typename T>
void gru_backward(const Kernels<T>& k, const Dims& d, RecAct act, const T* x, const T* W, const T* U, const T* h, const T* saved, const T* dh,
                  bool sequence, T* dx, T* dW, T* dU, T* db) {
  const int B = d.B, S = d.T, I = d.I, H = d.H, G3 = 3 * H;
  const T* G = saved;
  const T* RH = saved + size_t(B) * S * G3;
  Workspace<T>& ws = workspace<T>();
  T* dA = ws.get(0, size_t(B) * S * G3);
  T* dhn = ws.get(1, size_t(B) * H);
  T* drh = ws.get(2, size_t(B) * H);
  T* Uzrt = ws.get(3, size_t(2) * H * H);
  T* Uht = ws.get(4, size_t(H) * H);
  transpose(H, 2 * H, U, Uzrt, G3);
  transpose(H, H, U + 2 * H, Uht, G3);
  std::memset(dhn, 0, sizeof(T) * B * H);
  for (int t = S - 1; t >= 0; t--) {
    for (int r = 0; r < B; r++) {
      const size_t row = size_t(r) * S + t;
      const T* g = G + row * G3;
      const T* hp = t > 0 ? h + (row - 1) * H : nullptr;
      const T* dho = sequence ? dh + row * H : (t == S - 1 ? dh + size_t(r) * H : nullptr);
      T* da = dA + row * G3;
      T* dhr = dhn + size_t(r) * H;
      for (int j = 0; j < H; j++) {
        const T z = g[j], hh = g[2 * H + j];
        const T dht = dhr[j] + (dho ? dho[j] : T(0));
        da[j] = dht * ((hp ? hp[j] : T(0)) - hh);               // ∂z (after activation, for now)
        da[2 * H + j] = dht * (T(1) - z) * (T(1) - hh * hh);      // ∂ pre-activation of h̃
        dhr[j] = dht * z;
      }
    }
    k.gemm(B, H, H, dA + t * G3 + 2 * H, long(S) * G3, 1, Uht, H, drh, H, false);  // ∂(r∘h₋₁)
    for (int r = 0; r < B; r++) {
      const size_t row = size_t(r) * S + t;
      const T* g = G + row * G3;
      const T* hp = t > 0 ? h + (row - 1) * H : nullptr;
      T* da = dA + row * G3;
      T* dhr = dhn + size_t(r) * H;
      const T* drr = drh + size_t(r) * H;
      for (int j = 0; j < H; j++) {
        da[H + j] = hp ? drr[j] * hp[j] : T(0);  // ∂r
        dhr[j] += drr[j] * g[H + j];
      }
      activation_grad(act, 2 * H, g, da);
    }
    if (t > 0) k.gemm(B, H, 2 * H, dA + t * G3, long(S) * G3, 1, Uzrt, H, dhn, H, true);
  }
  std::memset(dU, 0, sizeof(T) * H * G3);
  for (int r = 0; r < B && S > 1; r++) {
    const size_t first = size_t(r) * S;
    k.gemm(H, 2 * H, S - 1, h + first * H, 1, H, dA + (first + 1) * G3, G3, dU, G3, true);
    k.gemm(H, H, S - 1, RH + (first + 1) * H, 1, H, dA + (first + 1) * G3 + 2 * H, G3, dU + 2 * H, G3, true);
  }
  k.gemm(I, G3, B * S, x, 1, I, dA, G3, dW, G3, false);
  if (db) column_sums(size_t(B) * S, G3, dA, db);
  k.gemm_nt(B * S, I, G3, dA, G3, W, G3, dx, I, false);
}

}  // namespace fused
