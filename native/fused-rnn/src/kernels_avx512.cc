// AVX-512 (F + DQ) kernels for float: twice the lanes of AVX2 and 32 registers, so a micro-tile
// of 8 rows × 32 columns. Same arrangement as kernels_avx2.cc: target pragma after every
// header, chosen at run time only on a CPU that has the instructions.
#include <immintrin.h>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>
#include "kernels.h"
#include "layout.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FUSED_HAVE_AVX512_BUILD 1
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx2,fma")
// GCC 12 reports its own _mm512_undefined_ps() inside the intrinsics headers.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace fused {
namespace avx512 {
namespace {

struct V {
  using vec = __m512;
  using mask = __mmask16;
  static constexpr int W = 16;
  static constexpr int MR = 8;  // 16 accumulators of 32 registers: broadcasts fold into the FMAs
  static vec zero() { return _mm512_setzero_ps(); }
  static vec set1(float a) { return _mm512_set1_ps(a); }
  static vec load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, vec v) { _mm512_storeu_ps(p, v); }
  static mask first(int n) { return n <= 0 ? mask(0) : (n >= 16 ? mask(0xFFFF) : mask((1u << n) - 1)); }
  static vec loadm(const float* p, mask m) { return _mm512_maskz_loadu_ps(m, p); }
  static void storem(float* p, mask m, vec v) { _mm512_mask_storeu_ps(p, m, v); }
  static vec fmadd(vec a, vec b, vec c) { return _mm512_fmadd_ps(a, b, c); }
  static vec fnmadd(vec a, vec b, vec c) { return _mm512_fnmadd_ps(a, b, c); }
  static vec add(vec a, vec b) { return _mm512_add_ps(a, b); }
  static vec sub(vec a, vec b) { return _mm512_sub_ps(a, b); }
  static vec mul(vec a, vec b) { return _mm512_mul_ps(a, b); }
  static vec div(vec a, vec b) { return _mm512_div_ps(a, b); }
  static vec min(vec a, vec b) { return _mm512_min_ps(a, b); }
  static vec max(vec a, vec b) { return _mm512_max_ps(a, b); }
  static vec floor(vec a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
  static vec abs(vec a) { return _mm512_abs_ps(a); }
  static vec copysign(vec mag, vec sign) { return _mm512_or_ps(mag, _mm512_and_ps(sign, _mm512_set1_ps(-0.0f))); }
  static vec blend_lt(vec a, vec b, vec x, vec y) { return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_LT_OQ), y, x); }
  static vec pow2i(vec fx) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_cvttps_epi32(fx), _mm512_set1_epi32(127)), 23)); }
  static float hsum(vec v) { return _mm512_reduce_add_ps(v); }
};

#include "simd_kernels.inc"

struct K {
  static void gemm(int M, int N, int K_, const float* A, long sam, long sak, const float* B, long ldb, float* C, long ldc, bool accumulate) {
    avx512::gemm(M, N, K_, A, sam, sak, B, ldb, C, ldc, accumulate);
  }
  static void gemm_nt(int M, int N, int K_, const float* A, long lda, const float* B, long ldb, float* C, long ldc, bool accumulate) {
    avx512::gemm_nt(M, N, K_, A, lda, B, ldb, C, ldc, accumulate);
  }
  static void sigmoid(int n, float* x) { avx512::sigmoid(n, x); }
  static void tanh(int n, const float* in, float* out) { tanh_(n, in, out); }
  static void softmax_grad_rows(int rows, int n, float scale, const float* P, float* dS) { avx512::softmax_grad_rows(rows, n, scale, P, dS); }
  static void softmax_rows(int rows, int n, float scale, float* S) { avx512::softmax_rows(rows, n, scale, S); }
};

}  // namespace
}  // namespace avx512
}  // namespace fused

// The pass templates, compiled here (after the pragma) for this instruction set.
#include "gru.h"
#include "lstm.h"

namespace fused {

const Passes<float>* avx512_float_passes() {
  using Kn = avx512::K;
  static const Passes<float> p{lstm_forward_chunk<float, Kn>, lstm_backward_chunk<float, Kn>, gru_forward_chunk<float, Kn>, gru_backward_chunk<float, Kn>,
                                 Kn::gemm, lstm_infer_chunk<float, Kn>, gru_infer_chunk<float, Kn>, Kn::softmax_rows, Kn::softmax_grad_rows};
  return &p;
}

bool avx512_available() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

}  // namespace fused

#pragma GCC pop_options
#else
namespace fused {
const Passes<float>* avx512_float_passes() { return nullptr; }
bool avx512_available() { return false; }
}  // namespace fused
#endif
