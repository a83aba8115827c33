// Shapes, recurrent activations and scratch buffers shared by the LSTM and GRU passes.
#pragma once
#include <cstddef>
#include <cstring>
#include <vector>
#include "kernels.h"

namespace fused {

struct Dims {
  int B, T, I, H;  // batch, time steps, input features, units
};

// tfjs-layers' recurrentActivation: sigmoid, or hardSigmoid = clip(0.2·x + 0.5, 0, 1).
enum class RecAct { Sigmoid = 0, HardSigmoid = 1 };

template <typename T>
inline void add_bias(size_t rows, int n, const T* b, T* X) {
  for (size_t r = 0; r < rows; r++) {
    T* x = X + r * n;
    for (int j = 0; j < n; j++) x[j] += b[j];
  }
}

template <typename T>
inline void activate(const Kernels<T>& k, RecAct act, int n, T* x) {
  if (act == RecAct::Sigmoid) {
    k.sigmoid(n, x);
  } else {
    for (int j = 0; j < n; j++) {
      const T v = T(0.2) * x[j] + T(0.5);
      x[j] = v < T(0) ? T(0) : (v > T(1) ? T(1) : v);
    }
  }
}

// da ∘= act'(pre-activation), written in terms of the activation's output y.
template <typename T>
inline void activation_grad(RecAct act, int n, const T* y, T* da) {
  if (act == RecAct::Sigmoid) {
    for (int j = 0; j < n; j++) da[j] *= y[j] * (T(1) - y[j]);
  } else {
    for (int j = 0; j < n; j++) da[j] *= (y[j] > T(0) && y[j] < T(1)) ? T(0.2) : T(0);
  }
}

// out[cols×rows] = inᵀ for in [rows×cols].
template <typename T>
inline void transpose(int rows, int cols, const T* in, T* out, long ld_in = -1) {
  const long ld = ld_in < 0 ? cols : ld_in;
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++) out[size_t(c) * rows + r] = in[r * ld + c];
}

template <typename T>
inline void column_sums(size_t rows, int n, const T* X, T* out) {
  std::memset(out, 0, sizeof(T) * n);
  for (size_t r = 0; r < rows; r++) {
    const T* x = X + r * n;
    for (int j = 0; j < n; j++) out[j] += x[j];
  }
}

// Per-thread scratch buffers, grown on demand and kept between calls (no allocation per batch).
template <typename T>
struct Workspace {
  std::vector<T> slots[6];
  T* get(int i, size_t n) {
    if (slots[i].size() < n) slots[i].resize(n);
    return slots[i].data();
  }
};

template <typename T>
Workspace<T>& workspace() {
  thread_local Workspace<T> ws;
  return ws;
}

}  // namespace fused
