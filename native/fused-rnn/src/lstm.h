// Fused LSTM over a whole sequence, forward and backward through time, with tfjs-layers'
// LSTMCell semantics: z = x·W + h₋₁·U + b split into i, f, c̃, o (that order);
// c = f∘c₋₁ + i∘tanh(c̃); h = o∘tanh(c); zero initial state. One call handles one chunk of
// batch rows (see Layout); K is the kernel set (gemm, sigmoid, tanh) of the including unit.
#pragma once
#include "rnn_common.h"

namespace fused {

template <typename T, typename K>
void lstm_forward_chunk(const Layout& L, int p, RecAct act, const T* x, const T* W, const T* U, const T* b, bool sequence, T* y, T* state) {
  const int S = L.d.T, I = L.d.I, H = L.d.H, G4 = L.G, Bc = L.rows(p), r0 = L.r0(p);
  T* X = state + L.chunk(p);
  T* Hs = X + size_t(S) * Bc * I;
  T* Gt = Hs + size_t(S) * Bc * H;
  T* C = Gt + size_t(S) * Bc * G4;
  T* TC = C + size_t(S) * Bc * H;
  gather_time_major<T, K>(L, p, x, X);
  K::gemm(S * Bc, G4, I, X, I, 1, W, G4, Gt, G4, false);
  if (b)
    for (size_t r = 0; r < size_t(S) * Bc; r++)
      for (int j = 0; j < G4; j++) Gt[r * G4 + j] += b[j];
  for (int t = 0; t < S; t++) {
    T* Gs = Gt + size_t(t) * Bc * G4;
    if (t > 0) K::gemm(Bc, G4, H, Hs + size_t(t - 1) * Bc * H, H, 1, U, G4, Gs, G4, true);
    for (int r = 0; r < Bc; r++) {
      const size_t row = size_t(t) * Bc + r;
      T* g = Gt + row * G4;
      activate_rec<T, K>(act, 2 * H, g);  // i, f
      K::tanh(H, g + 2 * H, g + 2 * H);           // c̃
      activate_rec<T, K>(act, H, g + 3 * H);  // o
      T* c = C + row * H;
      const T* ig = g;
      const T* fg = g + H;
      const T* cg = g + 2 * H;
      const T* og = g + 3 * H;
      if (t > 0) {
        const T* cp = C + (row - Bc) * H;
        for (int j = 0; j < H; j++) c[j] = fg[j] * cp[j] + ig[j] * cg[j];
      } else {
        for (int j = 0; j < H; j++) c[j] = ig[j] * cg[j];
      }
      T* tc = TC + row * H;
      K::tanh(H, c, tc);
      T* hr = Hs + row * H;
      for (int j = 0; j < H; j++) hr[j] = og[j] * tc[j];
      if (sequence) std::memcpy(y + (size_t(r0 + r) * S + t) * H, hr, sizeof(T) * H);
      else if (t == S - 1) std::memcpy(y + size_t(r0 + r) * H, hr, sizeof(T) * H);
    }
  }
}

// dy: [B,T,H] when `sequence` (return_sequences), else [B,H] for the last step only. Writes
// this chunk's rows of dx and the chunk's own sums of dW, dU, db (the caller adds chunks up).
template <typename T, typename K>
void lstm_backward_chunk(const Layout& L, int p, RecAct act, const T* state, const T* dy, bool sequence, T* dx, T* dW, T* dU, T* db) {
  const int S = L.d.T, I = L.d.I, H = L.d.H, G4 = L.G, Bc = L.rows(p), r0 = L.r0(p);
  const T* Wm = state + L.w();
  const T* Ut = state + L.ut();
  const T* X = state + L.chunk(p);
  const T* Hs = X + size_t(S) * Bc * I;
  const T* Gt = Hs + size_t(S) * Bc * H;
  const T* C = Gt + size_t(S) * Bc * G4;
  const T* TC = C + size_t(S) * Bc * H;
  auto& ws = Workspace<T, K>::mine();
  T* dA = ws.get(0, size_t(S) * Bc * G4);
  T* dhn = ws.get(1, size_t(Bc) * H);
  T* dcn = ws.get(2, size_t(Bc) * H);
  std::memset(dhn, 0, sizeof(T) * Bc * H);
  std::memset(dcn, 0, sizeof(T) * Bc * H);
  for (int t = S - 1; t >= 0; t--) {
    for (int r = 0; r < Bc; r++) {
      const size_t row = size_t(t) * Bc + r;
      const T* g = Gt + row * G4;
      const T* ig = g;
      const T* fg = g + H;
      const T* cg = g + 2 * H;
      const T* og = g + 3 * H;
      const T* tc = TC + row * H;
      const T* cp = t > 0 ? C + (row - Bc) * H : nullptr;
      const T* dho = sequence ? dy + (size_t(r0 + r) * S + t) * H : (t == S - 1 ? dy + size_t(r0 + r) * H : nullptr);
      T* da = dA + row * G4;
      T* dhr = dhn + size_t(r) * H;
      T* dcr = dcn + size_t(r) * H;
      for (int j = 0; j < H; j++) {
        const T dht = dhr[j] + (dho ? dho[j] : T(0));
        const T dct = dcr[j] + dht * og[j] * (T(1) - tc[j] * tc[j]);
        da[j] = dct * cg[j];                                   // ∂i
        da[H + j] = cp ? dct * cp[j] : T(0);                   // ∂f
        da[2 * H + j] = dct * ig[j] * (T(1) - cg[j] * cg[j]);  // ∂c̃ (pre-activation)
        da[3 * H + j] = dht * tc[j];                           // ∂o
        dcr[j] = dct * fg[j];
      }
      activation_grad<T, K>(act, H, ig, da);
      activation_grad<T, K>(act, H, fg, da + H);
      activation_grad<T, K>(act, H, og, da + 3 * H);
    }
    const T* dAt = dA + size_t(t) * Bc * G4;
    K::gemm_nt(Bc, I, G4, dAt, G4, Wm, G4, dx + (size_t(r0) * S + t) * I, long(S) * I, false);
    if (t > 0) K::gemm(Bc, H, G4, dAt, G4, 1, Ut, H, dhn, H, false);
  }
  K::gemm(H, G4, (S - 1) * Bc, Hs, 1, H, dA + size_t(Bc) * G4, G4, dU, G4, false);
  K::gemm(I, G4, S * Bc, X, 1, I, dA, G4, dW, G4, false);
  if (db) column_sums<T, K>(size_t(S) * Bc, G4, dA, db);
}

// Inference: the same forward pass keeping only the previous step (no state for a backward
// pass), so that everything stays in cache. x is read in place (row r, step t at
// x[(r·T + t)·I]).
template <typename T, typename K>
void lstm_infer_chunk(const Layout& L, int p, RecAct act, const T* x, const T* W, const T* U, const T* b, bool sequence, T* y) {
  const int S = L.d.T, I = L.d.I, H = L.d.H, G4 = L.G, Bc = L.rows(p), r0 = L.r0(p);
  auto& ws = Workspace<T, K>::mine();
  T* Gs = ws.get(0, size_t(Bc) * G4);
  T* Hp = ws.get(1, size_t(2) * Bc * H);  // h₋₁ and h, swapped every step
  T* C = ws.get(2, size_t(Bc) * H);
  T* TC = ws.get(3, size_t(Bc) * H);
  for (int t = 0; t < S; t++) {
    T* hprev = Hp + size_t(t & 1) * Bc * H;
    T* hcur = Hp + size_t((t + 1) & 1) * Bc * H;
    K::gemm(Bc, G4, I, x + (size_t(r0) * S + t) * I, long(S) * I, 1, W, G4, Gs, G4, false);
    if (t > 0) K::gemm(Bc, G4, H, hprev, H, 1, U, G4, Gs, G4, true);
    for (int r = 0; r < Bc; r++) {
      T* g = Gs + size_t(r) * G4;
      if (b)
        for (int j = 0; j < G4; j++) g[j] += b[j];
      activate_rec<T, K>(act, 2 * H, g);
      K::tanh(H, g + 2 * H, g + 2 * H);
      activate_rec<T, K>(act, H, g + 3 * H);
      T* c = C + size_t(r) * H;
      const T* ig = g;
      const T* fg = g + H;
      const T* cg = g + 2 * H;
      const T* og = g + 3 * H;
      if (t > 0)
        for (int j = 0; j < H; j++) c[j] = fg[j] * c[j] + ig[j] * cg[j];
      else
        for (int j = 0; j < H; j++) c[j] = ig[j] * cg[j];
      T* tc = TC + size_t(r) * H;
      K::tanh(H, c, tc);
      T* hr = hcur + size_t(r) * H;
      for (int j = 0; j < H; j++) hr[j] = og[j] * tc[j];
      if (sequence) std::memcpy(y + (size_t(r0 + r) * S + t) * H, hr, sizeof(T) * H);
      else if (t == S - 1) std::memcpy(y + size_t(r0 + r) * H, hr, sizeof(T) * H);
    }
  }
}

}  // namespace fused
