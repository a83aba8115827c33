// The few primitives the recurrent passes are made of: a strided GEMM, a row-by-row dot
// product (C = A·Bᵀ for narrow outputs) and the gate activations. Two implementations for
// float (AVX2/FMA, chosen at run time, and portable C++) and the portable one for double
// (used by the finite-difference tests).
#pragma once
#include <cstddef>

namespace fused {

template <typename T>
struct Kernels {
  // C[M×N] (+)= A·B, A(m,k) = A[m*sam + k*sak] (row-major: sam=lda, sak=1; transposed:
  // sam=1, sak=lda), B row-major K×N with row stride ldb, C row stride ldc.
  void (*gemm)(int M, int N, int K, const T* A, long sam, long sak, const T* B, long ldb, T* C, long ldc, bool accumulate);
  // C[M×N] = A[M×K]·Bᵀ with B row-major N×K (each output one dot product).
  void (*gemm_nt)(int M, int N, int K, const T* A, long lda, const T* B, long ldb, T* C, long ldc, bool accumulate);
  void (*sigmoid)(int n, T* x);
  void (*tanh)(int n, const T* in, T* out);
};

const Kernels<float>& float_kernels();   // AVX2/FMA when the CPU has them (and not switched off)
const Kernels<float>& portable_float_kernels();
const Kernels<float>* avx2_float_kernels();  // nullptr when not built for x86-64
const Kernels<double>& double_kernels();
bool avx2_available();
// "avx2-fma" or "portable": what float_kernels() uses.
const char* float_kernel_name();

}  // namespace fused
