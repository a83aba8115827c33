// AVX2/FMA kernels for float. Compiled for AVX2+FMA through the target pragma (not a -mavx2
// flag for the whole addon), so the addon still loads on a CPU without them and dispatches
// to other kernels: every header is included before the pragma so no shared inline function
// gets AVX2 code.
#include <immintrin.h>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>
#include "kernels.h"
#include "layout.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FUSED_HAVE_AVX2_BUILD 1
#pragma GCC push_options
#pragma GCC target("avx2,fma")

namespace fused {
namespace avx2 {
namespace {

struct V {
  using vec = __m256;
  using mask = __m256i;
  static constexpr int W = 8;
  static constexpr int MR = 6;  // 12 accumulators + 2 B vectors + 1 broadcast of 16 registers
  static vec zero() { return _mm256_setzero_ps(); }
  static vec set1(float a) { return _mm256_set1_ps(a); }
  static vec load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, vec v) { _mm256_storeu_ps(p, v); }
  static mask first(int n) {
    alignas(32) static const int lanes[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    const int k = n < 0 ? 0 : (n > 8 ? 8 : n);
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lanes + 8 - k));
  }
  static vec loadm(const float* p, mask m) { return _mm256_maskload_ps(p, m); }
  static void storem(float* p, mask m, vec v) { _mm256_maskstore_ps(p, m, v); }
  static vec fmadd(vec a, vec b, vec c) { return _mm256_fmadd_ps(a, b, c); }
  static vec fnmadd(vec a, vec b, vec c) { return _mm256_fnmadd_ps(a, b, c); }
  static vec add(vec a, vec b) { return _mm256_add_ps(a, b); }
  static vec sub(vec a, vec b) { return _mm256_sub_ps(a, b); }
  static vec mul(vec a, vec b) { return _mm256_mul_ps(a, b); }
  static vec div(vec a, vec b) { return _mm256_div_ps(a, b); }
  static vec min(vec a, vec b) { return _mm256_min_ps(a, b); }
  static vec max(vec a, vec b) { return _mm256_max_ps(a, b); }
  static vec floor(vec a) { return _mm256_floor_ps(a); }
  static vec abs(vec a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
  static vec copysign(vec mag, vec sign) { return _mm256_or_ps(mag, _mm256_and_ps(sign, _mm256_set1_ps(-0.0f))); }
  // a < b ? x : y
  static vec blend_lt(vec a, vec b, vec x, vec y) { return _mm256_blendv_ps(y, x, _mm256_cmp_ps(a, b, _CMP_LT_OQ)); }
  static vec pow2i(vec fx) { return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127)), 23)); }
  static float hsum(vec v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
  }
};

#include "simd_kernels.inc"

struct K {
  static void gemm(int M, int N, int K_, const float* A, long sam, long sak, const float* B, long ldb, float* C, long ldc, bool accumulate) {
    avx2::gemm(M, N, K_, A, sam, sak, B, ldb, C, ldc, accumulate);
  }
  static void gemm_nt(int M, int N, int K_, const float* A, long lda, const float* B, long ldb, float* C, long ldc, bool accumulate) {
    avx2::gemm_nt(M, N, K_, A, lda, B, ldb, C, ldc, accumulate);
  }
  static void sigmoid(int n, float* x) { avx2::sigmoid(n, x); }
  static void tanh(int n, const float* in, float* out) { tanh_(n, in, out); }
  static void softmax_grad_rows(int rows, int n, float scale, const float* P, float* dS) { avx2::softmax_grad_rows(rows, n, scale, P, dS); }
  static void softmax_rows(int rows, int n, float scale, float* S) { avx2::softmax_rows(rows, n, scale, S); }
};

}  // namespace
}  // namespace avx2
}  // namespace fused

// The pass templates, compiled here (after the pragma) for this instruction set.
#include "gru.h"
#include "lstm.h"

namespace fused {

const Passes<float>* avx2_float_passes() {
  using Kn = avx2::K;
  static const Passes<float> p{lstm_forward_chunk<float, Kn>, lstm_backward_chunk<float, Kn>, gru_forward_chunk<float, Kn>, gru_backward_chunk<float, Kn>,
                                 Kn::gemm, lstm_infer_chunk<float, Kn>, gru_infer_chunk<float, Kn>, Kn::softmax_rows, Kn::softmax_grad_rows};
  return &p;
}

}  // namespace fused

#pragma GCC pop_options
#else
namespace fused {
const Passes<float>* avx2_float_passes() { return nullptr; }
}  // namespace fused
#endif
