// Fused GRU over a whole sequence with tfjs-layers' GRUCell semantics (reset_after = false,
// bias on the input side only): [x_z, x_r, x_h] = x·W + b;
// z = σ(x_z + h₋₁·U_z), r = σ(x_r + h₋₁·U_r), h̃ = tanh(x_h + (r∘h₋₁)·U_h),
// h = z∘h₋₁ + (1 − z)∘h̃; zero initial state. U = [U_z | U_r | U_h], [H, 3H] row-major.
// One call handles one chunk of batch rows (see Layout).
#pragma once
#include "rnn_common.h"

namespace fused {

template <typename T, typename K>
void gru_forward_chunk(const Layout& L, int p, RecAct act, const T* x, const T* W, const T* U, const T* b, bool sequence, T* y, T* state) {
  const int S = L.d.T, I = L.d.I, H = L.d.H, G3 = L.G, Bc = L.rows(p), r0 = L.r0(p);
  T* X = state + L.chunk(p);
  T* Hs = X + size_t(S) * Bc * I;
  T* Gt = Hs + size_t(S) * Bc * H;
  T* RH = Gt + size_t(S) * Bc * G3;
  gather_time_major<T, K>(L, p, x, X);
  K::gemm(S * Bc, G3, I, X, I, 1, W, G3, Gt, G3, false);
  if (b)
    for (size_t r = 0; r < size_t(S) * Bc; r++)
      for (int j = 0; j < G3; j++) Gt[r * G3 + j] += b[j];
  for (int t = 0; t < S; t++) {
    T* Gs = Gt + size_t(t) * Bc * G3;
    const T* Hp = t > 0 ? Hs + size_t(t - 1) * Bc * H : nullptr;
    if (Hp) K::gemm(Bc, 2 * H, H, Hp, H, 1, U, G3, Gs, G3, true);
    for (int r = 0; r < Bc; r++) {
      const size_t row = size_t(t) * Bc + r;
      T* g = Gt + row * G3;
      activate_rec<T, K>(act, 2 * H, g);  // z, r
      T* rh = RH + row * H;
      const T* hp = Hp ? Hp + size_t(r) * H : nullptr;
      for (int j = 0; j < H; j++) rh[j] = hp ? g[H + j] * hp[j] : T(0);
    }
    if (Hp) K::gemm(Bc, H, H, RH + size_t(t) * Bc * H, H, 1, U + 2 * H, G3, Gs + 2 * H, G3, true);
    for (int r = 0; r < Bc; r++) {
      const size_t row = size_t(t) * Bc + r;
      T* g = Gt + row * G3;
      K::tanh(H, g + 2 * H, g + 2 * H);
      const T* hp = Hp ? Hp + size_t(r) * H : nullptr;
      T* hr = Hs + row * H;
      for (int j = 0; j < H; j++) hr[j] = (hp ? g[j] * hp[j] : T(0)) + (T(1) - g[j]) * g[2 * H + j];
      if (sequence) std::memcpy(y + (size_t(r0 + r) * S + t) * H, hr, sizeof(T) * H);
      else if (t == S - 1) std::memcpy(y + size_t(r0 + r) * H, hr, sizeof(T) * H);
    }
  }
}

template <typename T, typename K>
void gru_backward_chunk(const Layout& L, int p, RecAct act, const T* state, const T* dy, bool sequence, T* dx, T* dW, T* dU, T* db) {
  const int S = L.d.T, I = L.d.I, H = L.d.H, G3 = L.G, Bc = L.rows(p), r0 = L.r0(p);
  const T* Wm = state + L.w();
  const T* Ut = state + L.ut();  // rows 0..2H−1: U_zrᵀ, rows 2H..3H−1: U_hᵀ
  const T* X = state + L.chunk(p);
  const T* Hs = X + size_t(S) * Bc * I;
  const T* Gt = Hs + size_t(S) * Bc * H;
  const T* RH = Gt + size_t(S) * Bc * G3;
  auto& ws = Workspace<T, K>::mine();
  T* dA = ws.get(0, size_t(S) * Bc * G3);
  T* dhn = ws.get(1, size_t(Bc) * H);
  T* drh = ws.get(2, size_t(Bc) * H);
  std::memset(dhn, 0, sizeof(T) * Bc * H);
  for (int t = S - 1; t >= 0; t--) {
    const T* Hp = t > 0 ? Hs + size_t(t - 1) * Bc * H : nullptr;
    for (int r = 0; r < Bc; r++) {
      const size_t row = size_t(t) * Bc + r;
      const T* g = Gt + row * G3;
      const T* hp = Hp ? Hp + size_t(r) * H : nullptr;
      const T* dho = sequence ? dy + (size_t(r0 + r) * S + t) * H : (t == S - 1 ? dy + size_t(r0 + r) * H : nullptr);
      T* da = dA + row * G3;
      T* dhr = dhn + size_t(r) * H;
      for (int j = 0; j < H; j++) {
        const T z = g[j], hh = g[2 * H + j];
        const T dht = dhr[j] + (dho ? dho[j] : T(0));
        da[j] = dht * ((hp ? hp[j] : T(0)) - hh);           // ∂z (after activation, for now)
        da[2 * H + j] = dht * (T(1) - z) * (T(1) - hh * hh);  // ∂ pre-activation of h̃
        dhr[j] = dht * z;
      }
    }
    T* dAt = dA + size_t(t) * Bc * G3;
    K::gemm(Bc, H, H, dAt + 2 * H, G3, 1, Ut + size_t(2) * H * H, H, drh, H, false);  // ∂(r∘h₋₁)
    for (int r = 0; r < Bc; r++) {
      const size_t row = size_t(t) * Bc + r;
      const T* g = Gt + row * G3;
      const T* hp = Hp ? Hp + size_t(r) * H : nullptr;
      T* da = dA + row * G3;
      T* dhr = dhn + size_t(r) * H;
      const T* drr = drh + size_t(r) * H;
      for (int j = 0; j < H; j++) {
        da[H + j] = hp ? drr[j] * hp[j] : T(0);  // ∂r
        dhr[j] += drr[j] * g[H + j];
      }
      activation_grad<T, K>(act, 2 * H, g, da);
    }
    K::gemm_nt(Bc, I, G3, dAt, G3, Wm, G3, dx + (size_t(r0) * S + t) * I, long(S) * I, false);
    if (t > 0) K::gemm(Bc, H, 2 * H, dAt, G3, 1, Ut, H, dhn, H, true);
  }
  K::gemm(H, 2 * H, (S - 1) * Bc, Hs, 1, H, dA + size_t(Bc) * G3, G3, dU, G3, false);
  K::gemm(H, H, (S - 1) * Bc, RH + size_t(Bc) * H, 1, H, dA + size_t(Bc) * G3 + 2 * H, G3, dU + 2 * H, G3, false);
  K::gemm(I, G3, S * Bc, X, 1, I, dA, G3, dW, G3, false);
  if (db) column_sums<T, K>(size_t(S) * Bc, G3, dA, db);
}

// Inference: the same forward pass keeping only the previous step (see lstm_infer_chunk).
template <typename T, typename K>
void gru_infer_chunk(const Layout& L, int p, RecAct act, const T* x, const T* W, const T* U, const T* b, bool sequence, T* y) {
  const int S = L.d.T, I = L.d.I, H = L.d.H, G3 = L.G, Bc = L.rows(p), r0 = L.r0(p);
  auto& ws = Workspace<T, K>::mine();
  T* Gs = ws.get(0, size_t(Bc) * G3);
  T* Hp = ws.get(1, size_t(2) * Bc * H);
  T* RH = ws.get(2, size_t(Bc) * H);
  for (int t = 0; t < S; t++) {
    const T* hprev = t > 0 ? Hp + size_t(t & 1) * Bc * H : nullptr;
    T* hcur = Hp + size_t((t + 1) & 1) * Bc * H;
    K::gemm(Bc, G3, I, x + (size_t(r0) * S + t) * I, long(S) * I, 1, W, G3, Gs, G3, false);
    if (b)
      for (int r = 0; r < Bc; r++)
        for (int j = 0; j < G3; j++) Gs[size_t(r) * G3 + j] += b[j];
    if (hprev) K::gemm(Bc, 2 * H, H, hprev, H, 1, U, G3, Gs, G3, true);
    for (int r = 0; r < Bc; r++) {
      T* g = Gs + size_t(r) * G3;
      activate_rec<T, K>(act, 2 * H, g);
      T* rh = RH + size_t(r) * H;
      const T* hp = hprev ? hprev + size_t(r) * H : nullptr;
      for (int j = 0; j < H; j++) rh[j] = hp ? g[H + j] * hp[j] : T(0);
    }
    if (hprev) K::gemm(Bc, H, H, RH, H, 1, U + 2 * H, G3, Gs + 2 * H, G3, true);
    for (int r = 0; r < Bc; r++) {
      T* g = Gs + size_t(r) * G3;
      K::tanh(H, g + 2 * H, g + 2 * H);
      const T* hp = hprev ? hprev + size_t(r) * H : nullptr;
      T* hr = hcur + size_t(r) * H;
      for (int j = 0; j < H; j++) hr[j] = (hp ? g[j] * hp[j] : T(0)) + (T(1) - g[j]) * g[2 * H + j];
      if (sequence) std::memcpy(y + (size_t(r0 + r) * S + t) * H, hr, sizeof(T) * H);
      else if (t == S - 1) std::memcpy(y + size_t(r0 + r) * H, hr, sizeof(T) * H);
    }
  }
}

}  // namespace fused
