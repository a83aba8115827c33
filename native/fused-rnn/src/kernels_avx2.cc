// AVX2/FMA kernels for float. Every function here is compiled for AVX2+FMA through the
// target pragma (not a -mavx2 flag for the whole addon), so the addon still loads on a CPU
// without them and dispatches to the portable kernels: all headers are included before the
// pragma so no shared inline function gets AVX2 code.
#include <immintrin.h>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include "kernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FUSED_HAVE_AVX2_BUILD 1
#pragma GCC push_options
#pragma GCC target("avx2,fma")

namespace fused {
namespace {

// C[MR×16] (+)= A[MR×K]·B[K×16]: 2·MR accumulators, one broadcast of A per row and k.
template <int MR>
inline void micro_16(int K, const float* A, long sam, long sak, const float* B, long ldb, float* C, long ldc, bool accumulate) {
  __m256 c0[MR], c1[MR];
  for (int i = 0; i < MR; i++) {
    c0[i] = accumulate ? _mm256_loadu_ps(C + i * ldc) : _mm256_setzero_ps();
    c1[i] = accumulate ? _mm256_loadu_ps(C + i * ldc + 8) : _mm256_setzero_ps();
  }
  for (int k = 0; k < K; k++) {
    const __m256 b0 = _mm256_loadu_ps(B + k * ldb);
    const __m256 b1 = _mm256_loadu_ps(B + k * ldb + 8);
    for (int i = 0; i < MR; i++) {
      const __m256 a = _mm256_broadcast_ss(A + i * sam + k * sak);
      c0[i] = _mm256_fmadd_ps(a, b0, c0[i]);
      c1[i] = _mm256_fmadd_ps(a, b1, c1[i]);
    }
  }
  for (int i = 0; i < MR; i++) {
    _mm256_storeu_ps(C + i * ldc, c0[i]);
    _mm256_storeu_ps(C + i * ldc + 8, c1[i]);
  }
}

// The same for the last 1–15 columns (masked loads/stores).
template <int MR>
inline void micro_tail(int K, int n, const float* A, long sam, long sak, const float* B, long ldb, float* C, long ldc, bool accumulate) {
  alignas(32) int lanes[16];
  for (int j = 0; j < 16; j++) lanes[j] = j < n ? -1 : 0;
  const __m256i m0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(lanes));
  const __m256i m1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(lanes + 8));
  __m256 c0[MR], c1[MR];
  for (int i = 0; i < MR; i++) {
    c0[i] = accumulate ? _mm256_maskload_ps(C + i * ldc, m0) : _mm256_setzero_ps();
    c1[i] = accumulate ? _mm256_maskload_ps(C + i * ldc + 8, m1) : _mm256_setzero_ps();
  }
  for (int k = 0; k < K; k++) {
    const __m256 b0 = _mm256_maskload_ps(B + k * ldb, m0);
    const __m256 b1 = _mm256_maskload_ps(B + k * ldb + 8, m1);
    for (int i = 0; i < MR; i++) {
      const __m256 a = _mm256_broadcast_ss(A + i * sam + k * sak);
      c0[i] = _mm256_fmadd_ps(a, b0, c0[i]);
      c1[i] = _mm256_fmadd_ps(a, b1, c1[i]);
    }
  }
  for (int i = 0; i < MR; i++) {
    _mm256_maskstore_ps(C + i * ldc, m0, c0[i]);
    _mm256_maskstore_ps(C + i * ldc + 8, m1, c1[i]);
  }
}

template <int MR>
void rows(int N, int K, const float* A, long sam, long sak, const float* B, long ldb, float* C, long ldc, bool accumulate) {
  int n = 0;
  for (; n + 16 <= N; n += 16) micro_16<MR>(K, A, sam, sak, B + n, ldb, C + n, ldc, accumulate);
  if (n < N) micro_tail<MR>(K, N - n, A, sam, sak, B + n, ldb, C + n, ldc, accumulate);
}

void gemm(int M, int N, int K, const float* A, long sam, long sak, const float* B, long ldb, float* C, long ldc, bool accumulate) {
  // Column panels outside, row blocks inside: a 16-column panel of B (K×64 bytes) stays in
  // L1 while every row block of A passes over it.
  for (int n0 = 0; n0 < N; n0 += 64) {
    const int nb = N - n0 < 64 ? N - n0 : 64;
    int m = 0;
    for (; m + 6 <= M; m += 6) rows<6>(nb, K, A + m * sam, sam, sak, B + n0, ldb, C + m * ldc + n0, ldc, accumulate);
    const float* a = A + m * sam;
    float* c = C + m * ldc + n0;
    switch (M - m) {
      case 5: rows<5>(nb, K, a, sam, sak, B + n0, ldb, c, ldc, accumulate); break;
      case 4: rows<4>(nb, K, a, sam, sak, B + n0, ldb, c, ldc, accumulate); break;
      case 3: rows<3>(nb, K, a, sam, sak, B + n0, ldb, c, ldc, accumulate); break;
      case 2: rows<2>(nb, K, a, sam, sak, B + n0, ldb, c, ldc, accumulate); break;
      case 1: rows<1>(nb, K, a, sam, sak, B + n0, ldb, c, ldc, accumulate); break;
      default: break;
    }
  }
}

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

void gemm_nt(int M, int N, int K, const float* A, long lda, const float* B, long ldb, float* C, long ldc, bool accumulate) {
  for (int m = 0; m < M; m++) {
    const float* a = A + m * lda;
    for (int n = 0; n < N; n++) {
      const float* b = B + n * ldb;
      __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
      int k = 0;
      for (; k + 16 <= K; k += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), _mm256_loadu_ps(b + k), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k + 8), _mm256_loadu_ps(b + k + 8), s1);
      }
      float s = hsum(_mm256_add_ps(s0, s1));
      for (; k < K; k++) s += a[k] * b[k];
      C[m * ldc + n] = accumulate ? C[m * ldc + n] + s : s;
    }
  }
}

// exp for float lanes (Cephes polynomial, ≈1 ulp on [-88, 88]).
inline __m256 exp256(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.3f));
  __m256 fx = _mm256_floor_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f)));
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
  __m256 y = _mm256_set1_ps(1.9875691500e-4f);
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
  y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

void sigmoid(int n, float* x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 zero = _mm256_setzero_ps();
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    _mm256_storeu_ps(x + i, _mm256_div_ps(one, _mm256_add_ps(one, exp256(_mm256_sub_ps(zero, v)))));
  }
  for (; i < n; i++) x[i] = 1.0f / (1.0f + std::exp(-x[i]));
}

// tanh(|x|) = (1 − e^{−2|x|}) / (1 + e^{−2|x|}); below |x| < 0.125 a Taylor polynomial
// instead, where the subtraction would lose relative precision.
void tanh_(int n, const float* in, float* out) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 signbit = _mm256_set1_ps(-0.0f);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(in + i);
    const __m256 ax = _mm256_andnot_ps(signbit, v);
    const __m256 t = exp256(_mm256_mul_ps(ax, _mm256_set1_ps(-2.0f)));
    const __m256 big = _mm256_div_ps(_mm256_sub_ps(one, t), _mm256_add_ps(one, t));
    const __m256 x2 = _mm256_mul_ps(ax, ax);
    __m256 p = _mm256_set1_ps(-17.0f / 315.0f);
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(2.0f / 15.0f));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-1.0f / 3.0f));
    p = _mm256_fmadd_ps(p, x2, one);
    const __m256 small = _mm256_mul_ps(p, ax);
    const __m256 r = _mm256_blendv_ps(big, small, _mm256_cmp_ps(ax, _mm256_set1_ps(0.125f), _CMP_LT_OQ));
    _mm256_storeu_ps(out + i, _mm256_or_ps(r, _mm256_and_ps(v, signbit)));
  }
  for (; i < n; i++) out[i] = std::tanh(in[i]);
}

}  // namespace

const Kernels<float>* avx2_float_kernels() {
  static const Kernels<float> k{gemm, gemm_nt, sigmoid, tanh_};
  return &k;
}

}  // namespace fused

#pragma GCC pop_options
#else
namespace fused {
const Kernels<float>* avx2_float_kernels() { return nullptr; }
}  // namespace fused
#endif

namespace fused {

bool avx2_available() {
#if defined(FUSED_HAVE_AVX2_BUILD)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

// FUSED_RNN_SIMD=off forces the portable kernels (to test them on an AVX2 machine).
static bool use_avx2() {
  const char* env = std::getenv("FUSED_RNN_SIMD");
  const bool off = env && (std::strcmp(env, "off") == 0 || std::strcmp(env, "0") == 0);
  return !off && avx2_available() && avx2_float_kernels() != nullptr;
}

const Kernels<float>& float_kernels() {
  static const Kernels<float>& k = use_avx2() ? *avx2_float_kernels() : portable_float_kernels();
  return k;
}

const char* float_kernel_name() { return &float_kernels() == &portable_float_kernels() ? "portable" : "avx2-fma"; }

}  // namespace fused
