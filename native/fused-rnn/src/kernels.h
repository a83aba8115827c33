// The passes the addon runs, per element type and instruction set. Each kernel unit
// (portable, AVX2/FMA, AVX-512) compiles the LSTM/GRU pass templates over its own primitives
// (a strided GEMM and the gate activations) and exports them as one Passes table; dispatch.cc
// picks the widest table the CPU runs. double (portable only) serves the finite-difference
// tests.
#pragma once
#include <cstddef>
#include "layout.h"

namespace fused {

template <typename T>
struct Passes {
  // One chunk p of the batch (Layout): forward writes y rows and the chunk's state.
  void (*lstm_forward)(const Layout& L, int p, RecAct act, const T* x, const T* W, const T* U, const T* b, bool sequence, T* y, T* state);
  // Writes the chunk's rows of dx and its own sums of dW, dU, db.
  void (*lstm_backward)(const Layout& L, int p, RecAct act, const T* state, const T* dy, bool sequence, T* dx, T* dW, T* dU, T* db);
  void (*gru_forward)(const Layout& L, int p, RecAct act, const T* x, const T* W, const T* U, const T* b, bool sequence, T* y, T* state);
  void (*gru_backward)(const Layout& L, int p, RecAct act, const T* state, const T* dy, bool sequence, T* dx, T* dW, T* dU, T* db);
  // C[M×N] (+)= A·B with A(m,k) = A[m*sam + k*sak] and B row-major (row stride ldb).
  void (*gemm)(int M, int N, int K, const T* A, long sam, long sak, const T* B, long ldb, T* C, long ldc, bool accumulate);
  // Forward without a state (inference): y rows only.
  void (*lstm_infer)(const Layout& L, int p, RecAct act, const T* x, const T* W, const T* U, const T* b, bool sequence, T* y);
  void (*gru_infer)(const Layout& L, int p, RecAct act, const T* x, const T* W, const T* U, const T* b, bool sequence, T* y);
  // Softmax of each row of S [rows, n] after multiplying it by scale (the attention's).
  void (*softmax_rows)(int rows, int n, T scale, T* S);
  // Its gradient in place: dS (dP on entry) = P ∘ (dP − Σ P∘dP)·scale per row.
  void (*softmax_grad_rows)(int rows, int n, T scale, const T* P, T* dS);
};

const Passes<float>& float_passes();  // the widest the CPU has, capped by FUSED_RNN_SIMD
const Passes<float>& portable_float_passes();
const Passes<float>* avx2_float_passes();    // nullptr when not built for x86-64
const Passes<float>* avx512_float_passes();  // nullptr when not built for x86-64
const Passes<double>& double_passes();
bool avx2_available();
bool avx512_available();
// "avx512", "avx2-fma" or "portable": what float_passes() uses.
const char* float_kernel_name();

// tfjs-core AdamOptimizer's scalars, each already rounded to float as tfjs's scalar tensors are.
struct AdamScalars {
  float beta1, one_minus_beta1, beta2, one_minus_beta2, one_minus_acc_beta1, one_minus_acc_beta2, epsilon, neg_learning_rate;
};
void adam_step(size_t n, const float* value, const float* m, const float* v, const float* g, float* out_value, float* out_m, float* out_v, const AdamScalars& s);

}  // namespace fused
