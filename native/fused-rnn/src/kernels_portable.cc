// Portable passes: plain loops ordered so that the compiler vectorises the inner one with the
// baseline instruction set (SSE2 on x86-64, NEON on arm64); float and double.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include "kernels.h"
#include "gru.h"
#include "lstm.h"

namespace fused {
namespace {

template <typename T>
struct Portable {
  static void gemm(int M, int N, int K, const T* A, long sam, long sak, const T* B, long ldb, T* C, long ldc, bool accumulate) {
    for (int m = 0; m < M; m++) {
      T* c = C + m * ldc;
      if (!accumulate) std::memset(c, 0, sizeof(T) * N);
      for (int k = 0; k < K; k++) {
        const T a = A[m * sam + k * sak];
        const T* b = B + k * ldb;
        for (int n = 0; n < N; n++) c[n] += a * b[n];
      }
    }
  }
  static void gemm_nt(int M, int N, int K, const T* A, long lda, const T* B, long ldb, T* C, long ldc, bool accumulate) {
    for (int m = 0; m < M; m++)
      for (int n = 0; n < N; n++) {
        T s = 0;
        for (int k = 0; k < K; k++) s += A[m * lda + k] * B[n * ldb + k];
        C[m * ldc + n] = accumulate ? C[m * ldc + n] + s : s;
      }
  }
  static void sigmoid(int n, T* x) {
    for (int i = 0; i < n; i++) x[i] = T(1) / (T(1) + std::exp(-x[i]));
  }
  static void tanh(int n, const T* in, T* out) {
    for (int i = 0; i < n; i++) out[i] = std::tanh(in[i]);
  }
  static void softmax_grad_rows(int rows, int n, T scale, const T* P, T* dS) {
    for (int r = 0; r < rows; r++) {
      const T* p = P + long(r) * n;
      T* g = dS + long(r) * n;
      T dot = 0;
      for (int i = 0; i < n; i++) dot += p[i] * g[i];
      for (int i = 0; i < n; i++) g[i] = p[i] * (g[i] - dot) * scale;
    }
  }
  static void softmax_rows(int rows, int n, T scale, T* S) {
    for (int r = 0; r < rows; r++) {
      T* x = S + long(r) * n;
      for (int i = 0; i < n; i++) x[i] *= scale;
      T mx = x[0];
      for (int i = 1; i < n; i++) mx = x[i] > mx ? x[i] : mx;
      for (int i = 0; i < n; i++) x[i] = std::exp(x[i] - mx);
      T sum = 0;
      for (int i = 0; i < n; i++) sum += x[i];
      for (int i = 0; i < n; i++) x[i] /= sum;
    }
  }
};

template <typename T>
const Passes<T>& passes() {
  using K = Portable<T>;
  static const Passes<T> p{lstm_forward_chunk<T, K>, lstm_backward_chunk<T, K>, gru_forward_chunk<T, K>, gru_backward_chunk<T, K>,
                                 K::gemm, lstm_infer_chunk<T, K>, gru_infer_chunk<T, K>, K::softmax_rows, K::softmax_grad_rows};
  return p;
}

}  // namespace

const Passes<float>& portable_float_passes() { return passes<float>(); }
const Passes<double>& double_passes() { return passes<double>(); }

// One Adam step with tfjs-core's AdamOptimizer arithmetic, operation by operation in float
// (each product, sum, quotient and square root rounded to float as tfjs's kernels do; the
// addon is built with -ffp-contract=off so no multiply-add is fused), so the weights equal
// what the stock optimizer computes.
void adam_step(size_t n, const float* value, const float* m, const float* v, const float* g, float* out_value, float* out_m, float* out_v,
               const AdamScalars& s) {
  for (size_t i = 0; i < n; i++) {
    const float gi = g[i];
    const float a = m[i] * s.beta1;
    const float b = gi * s.one_minus_beta1;
    const float nm = a + b;
    const float sq = gi * gi;
    const float c = v[i] * s.beta2;
    const float d = sq * s.one_minus_beta2;
    const float nv = c + d;
    const float bc1 = nm / s.one_minus_acc_beta1;
    const float bc2 = nv / s.one_minus_acc_beta2;
    const float den = std::sqrt(bc2) + s.epsilon;
    const float q = bc1 / den;
    const float step = q * s.neg_learning_rate;
    out_value[i] = step + value[i];
    out_m[i] = nm;
    out_v[i] = nv;
  }
}

}  // namespace fused
