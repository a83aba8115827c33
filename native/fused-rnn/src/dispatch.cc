// Which float kernels run: the widest the CPU has (AVX-512, then AVX2/FMA, then portable),
// capped by FUSED_RNN_SIMD (off|portable, avx2) to test the narrower ones on a wide CPU.
#include <cstdlib>
#include <cstring>
#include "kernels.h"

namespace fused {

bool avx2_available() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

namespace {

enum class Cap { Portable, Avx2, Best };

Cap cap_from_env() {
  const char* env = std::getenv("FUSED_RNN_SIMD");
  if (!env) return Cap::Best;
  if (std::strcmp(env, "off") == 0 || std::strcmp(env, "0") == 0 || std::strcmp(env, "portable") == 0) return Cap::Portable;
  if (std::strcmp(env, "avx2") == 0) return Cap::Avx2;
  return Cap::Best;
}

const Passes<float>* choose(const char** name) {
  const Cap cap = cap_from_env();
  if (cap == Cap::Best && avx512_available() && avx512_float_passes()) {
    *name = "avx512";
    return avx512_float_passes();
  }
  if (cap != Cap::Portable && avx2_available() && avx2_float_passes()) {
    *name = "avx2-fma";
    return avx2_float_passes();
  }
  *name = "portable";
  return &portable_float_passes();
}

struct Choice {
  const char* name = "portable";
  const Passes<float>* passes = choose(&name);
};

const Choice& choice() {
  static const Choice c;
  return c;
}

}  // namespace

const Passes<float>& float_passes() { return *choice().passes; }
const char* float_kernel_name() { return choice().name; }

}  // namespace fused
