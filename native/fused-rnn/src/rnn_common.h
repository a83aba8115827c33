// Helpers shared by the LSTM and GRU passes. Every function is a template over the kernel
// set K of the unit that includes it (portable, AVX2, AVX-512): each unit compiles its own
// copy for its own instruction set, and the copies never merge at link time.
#pragma once
#include <cstddef>
#include <cstring>
#include <vector>
#include "layout.h"

namespace fused {

template <typename T, typename K>
inline void activate_rec(RecAct act, int n, T* x) {
  if (act == RecAct::Sigmoid) {
    K::sigmoid(n, x);
  } else {
    for (int j = 0; j < n; j++) {
      const T v = T(0.2) * x[j] + T(0.5);
      x[j] = v < T(0) ? T(0) : (v > T(1) ? T(1) : v);
    }
  }
}

// da ∘= act'(pre-activation), written in terms of the activation's output y.
template <typename T, typename K>
inline void activation_grad(RecAct act, int n, const T* y, T* da) {
  if (act == RecAct::Sigmoid) {
    for (int j = 0; j < n; j++) da[j] *= y[j] * (T(1) - y[j]);
  } else {
    for (int j = 0; j < n; j++) da[j] *= (y[j] > T(0) && y[j] < T(1)) ? T(0.2) : T(0);
  }
}

template <typename T, typename K>
inline void column_sums(size_t rows, int n, const T* X, T* out) {
  std::memset(out, 0, sizeof(T) * n);
  for (size_t r = 0; r < rows; r++) {
    const T* x = X + r * n;
    for (int j = 0; j < n; j++) out[j] += x[j];
  }
}

// x [B,T,I] rows r0.. → time-major chunk copy X[(t·Bc + r)·I + i].
template <typename T, typename K>
inline void gather_time_major(const Layout& L, int p, const T* x, T* X) {
  const int T_ = L.d.T, I = L.d.I, Bc = L.rows(p), r0 = L.r0(p);
  for (int r = 0; r < Bc; r++)
    for (int t = 0; t < T_; t++) std::memcpy(X + (size_t(t) * Bc + r) * I, x + (size_t(r0 + r) * T_ + t) * I, sizeof(T) * I);
}

// Per-thread scratch buffers, grown on demand and kept between calls (no allocation per batch).
template <typename T, typename Tag>
struct Workspace {
  std::vector<T> slots[4];
  T* get(int i, size_t n) {
    if (slots[i].size() < n) slots[i].resize(n);
    return slots[i].data();
  }
  static Workspace& mine() {
    thread_local Workspace ws;
    return ws;
  }
};

}  // namespace fused
