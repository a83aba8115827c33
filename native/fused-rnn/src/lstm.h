// Fused LSTM over a whole sequence, forward and backward through time, with tfjs-layers'
// LSTMCell semantics: z = x·W + h·U + b split into i, f, c̃, o (that order);
// c = f∘c₋₁ + i∘tanh(c̃); h = o∘tanh(c); zero initial state.
// Layout is batch-major like the tensors: x [B,T,I], h [B,T,H], gates [B,T,4H], so the rows
// of one time step are a strided matrix (row stride T·width) and nothing is transposed.
#pragma once
#include <cstring>
#include <vector>
#include "kernels.h"
#include "rnn_common.h"

namespace fused {

// saved = [gates after activation (B·T·4H) | c (B·T·H) | tanh(c) (B·T·H)]
inline size_t lstm_saved_size(const Dims& d) { return size_t(d.B) * d.T * 6 * d.H; }

template <typename T>
void lstm_forward(const Kernels<T>& k, const Dims& d, RecAct act, const T* x, const T* W, const T* U, const T* b, T* h, T* saved) {
  const int B = d.B, S = d.T, I = d.I, H = d.H, G4 = 4 * H;
  T* G = saved;
  T* C = saved + size_t(B) * S * G4;
  T* TC = C + size_t(B) * S * H;
  k.gemm(B * S, G4, I, x, I, 1, W, G4, G, G4, false);
  if (b) add_bias(size_t(B) * S, G4, b, G);
  for (int t = 0; t < S; t++) {
    if (t > 0) k.gemm(B, G4, H, h + (t - 1) * H, long(S) * H, 1, U, G4, G + t * G4, long(S) * G4, true);
    for (int r = 0; r < B; r++) {
      const size_t row = size_t(r) * S + t;
      T* g = G + row * G4;
      activate(k, act, 2 * H, g);            // i, f
      k.tanh(H, g + 2 * H, g + 2 * H);        // c̃
      activate(k, act, H, g + 3 * H);        // o
      T* c = C + row * H;
      const T* ig = g;
      const T* fg = g + H;
      const T* cg = g + 2 * H;
      const T* og = g + 3 * H;
      if (t > 0) {
        const T* cp = c - H;
        for (int j = 0; j < H; j++) c[j] = fg[j] * cp[j] + ig[j] * cg[j];
      } else {
        for (int j = 0; j < H; j++) c[j] = ig[j] * cg[j];
      }
      T* tc = TC + row * H;
      k.tanh(H, c, tc);
      T* hr = h + row * H;
      for (int j = 0; j < H; j++) hr[j] = og[j] * tc[j];
    }
  }
}

// dh: [B,T,H] when `sequence` (return_sequences), else [B,H] for the last step only.
template <typename T>
void lstm_backward(const Kernels<T>& k, const Dims& d, RecAct act, const T* x, const T* W, const T* U, const T* h, const T* saved, const T* dh,
                   bool sequence, T* dx, T* dW, T* dU, T* db) {
  const int B = d.B, S = d.T, I = d.I, H = d.H, G4 = 4 * H;
  const T* G = saved;
  const T* C = saved + size_t(B) * S * G4;
  const T* TC = C + size_t(B) * S * H;
  Workspace<T>& ws = workspace<T>();
  T* dA = ws.get(0, size_t(B) * S * G4);
  T* dhn = ws.get(1, size_t(B) * H);
  T* dcn = ws.get(2, size_t(B) * H);
  T* Ut = ws.get(3, size_t(G4) * H);
  transpose(H, G4, U, Ut);
  std::memset(dhn, 0, sizeof(T) * B * H);
  std::memset(dcn, 0, sizeof(T) * B * H);
  for (int t = S - 1; t >= 0; t--) {
    for (int r = 0; r < B; r++) {
      const size_t row = size_t(r) * S + t;
      const T* g = G + row * G4;
      const T* ig = g;
      const T* fg = g + H;
      const T* cg = g + 2 * H;
      const T* og = g + 3 * H;
      const T* tc = TC + row * H;
      const T* cp = t > 0 ? C + (row - 1) * H : nullptr;
      const T* dho = sequence ? dh + row * H : (t == S - 1 ? dh + size_t(r) * H : nullptr);
      T* da = dA + row * G4;
      T* dhr = dhn + size_t(r) * H;
      T* dcr = dcn + size_t(r) * H;
      for (int j = 0; j < H; j++) {
        const T dht = dhr[j] + (dho ? dho[j] : T(0));
        const T dct = dcr[j] + dht * og[j] * (T(1) - tc[j] * tc[j]);
        da[j] = dct * cg[j];                                // ∂i
        da[H + j] = cp ? dct * cp[j] : T(0);                // ∂f
        da[2 * H + j] = dct * ig[j] * (T(1) - cg[j] * cg[j]);  // ∂c̃ (pre-activation)
        da[3 * H + j] = dht * tc[j];                        // ∂o
        dcr[j] = dct * fg[j];
      }
      activation_grad(act, H, ig, da);
      activation_grad(act, H, fg, da + H);
      activation_grad(act, H, og, da + 3 * H);
    }
    if (t > 0) k.gemm(B, H, G4, dA + t * G4, long(S) * G4, 1, Ut, H, dhn, H, false);
  }
  std::memset(dU, 0, sizeof(T) * H * G4);
  for (int r = 0; r < B && S > 1; r++) {
    const size_t first = size_t(r) * S;
    k.gemm(H, G4, S - 1, h + first * H, 1, H, dA + (first + 1) * G4, G4, dU, G4, true);
  }
  k.gemm(I, G4, B * S, x, 1, I, dA, G4, dW, G4, false);
  if (db) column_sums(size_t(B) * S, G4, dA, db);
  k.gemm_nt(B * S, I, G4, dA, G4, W, G4, dx, I, false);
}

}  // namespace fused
