// Portable kernels: plain loops ordered so the compiler vectorises the inner one with the
// baseline instruction set (SSE2 on x86-64, NEON on arm64).
#include <cmath>
#include <cstdlib>
#include <cstring>
#include "kernels.h"

namespace fused {
namespace {

template <typename T>
void gemm(int M, int N, int K, const T* A, long sam, long sak, const T* B, long ldb, T* C, long ldc, bool accumulate) {
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

template <typename T>
void gemm_nt(int M, int N, int K, const T* A, long lda, const T* B, long ldb, T* C, long ldc, bool accumulate) {
  for (int m = 0; m < M; m++) {
    for (int n = 0; n < N; n++) {
      T s = 0;
      const T* a = A + m * lda;
      const T* b = B + n * ldb;
      for (int k = 0; k < K; k++) s += a[k] * b[k];
      C[m * ldc + n] = accumulate ? C[m * ldc + n] + s : s;
    }
  }
}

template <typename T>
void sigmoid(int n, T* x) {
  for (int i = 0; i < n; i++) x[i] = T(1) / (T(1) + std::exp(-x[i]));
}

template <typename T>
void tanh_(int n, const T* in, T* out) {
  for (int i = 0; i < n; i++) out[i] = std::tanh(in[i]);
}

}  // namespace

const Kernels<float>& portable_float_kernels() {
  static const Kernels<float> k{gemm<float>, gemm_nt<float>, sigmoid<float>, tanh_<float>};
  return k;
}

const Kernels<double>& double_kernels() {
  static const Kernels<double> k{gemm<double>, gemm_nt<double>, sigmoid<double>, tanh_<double>};
  return k;
}

}  // namespace fused
