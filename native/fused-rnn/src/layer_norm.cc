// Layer normalisation over the last axis, y = (x − mean)·rsqrt(var + ε)·γ + β (the service's
// LayerNorm layer), forward and backward in one call each. The forward keeps each row's mean
// and rsqrt(var + ε) for the backward:
//   x̂ = (x − mean)·r, g = dy∘γ, dx = r·(g − mean(g) − x̂·mean(g∘x̂)), dγ = Σ dy∘x̂, dβ = Σ dy.
#include <cmath>
#include <vector>
#include "napi_call.h"

namespace {

using namespace fused_napi;

template <typename T>
void ln_forward(int rows, int d, T eps, const T* x, const T* gamma, const T* beta, T* y, T* stats) {
  for (int r = 0; r < rows; r++) {
    const T* xr = x + size_t(r) * d;
    T* yr = y + size_t(r) * d;
    T sum = T(0);
    for (int i = 0; i < d; i++) sum += xr[i];
    const T mean = sum / T(d);
    T sq = T(0);
    for (int i = 0; i < d; i++) {
      const T c = xr[i] - mean;
      yr[i] = c;
      sq += c * c;
    }
    const T rstd = T(1) / std::sqrt(sq / T(d) + eps);
    for (int i = 0; i < d; i++) yr[i] = yr[i] * rstd * gamma[i] + beta[i];
    if (stats) {
      stats[2 * size_t(r)] = mean;
      stats[2 * size_t(r) + 1] = rstd;
    }
  }
}

template <typename T>
void ln_backward(int rows, int d, const T* x, const T* gamma, const T* stats, const T* dy, T* dx, T* dgamma, T* dbeta) {
  thread_local std::vector<T> scratch;
  scratch.resize(2 * size_t(d));
  T* xhat = scratch.data();
  T* g = xhat + d;
  for (int i = 0; i < d; i++) dgamma[i] = dbeta[i] = T(0);
  for (int r = 0; r < rows; r++) {
    const T* xr = x + size_t(r) * d;
    const T* dyr = dy + size_t(r) * d;
    T* dxr = dx + size_t(r) * d;
    const T mean = stats[2 * size_t(r)], rstd = stats[2 * size_t(r) + 1];
    T sg = T(0), sgx = T(0);
    for (int i = 0; i < d; i++) {
      xhat[i] = (xr[i] - mean) * rstd;
      g[i] = dyr[i] * gamma[i];
      dgamma[i] += dyr[i] * xhat[i];
      dbeta[i] += dyr[i];
    }
    for (int i = 0; i < d; i++) {
      sg += g[i];
      sgx += g[i] * xhat[i];
    }
    const T mg = sg / T(d), mgx = sgx / T(d);
    for (int i = 0; i < d; i++) dxr[i] = rstd * (g[i] - mg - xhat[i] * mgx);
  }
}

}  // namespace

namespace fused_napi {

// layerNormForward(x [rows·d], gamma [d], beta [d], [rows, d], epsilon, y, stats [2·rows] | null)
napi_value layer_norm_forward(napi_env env, napi_callback_info info) {
  Call c(env, info);
  int32_t v[2];
  if (!c.ints(3, "dims must be [rows, features], positive integers", 2, v)) return nullptr;
  const int rows = v[0], d = v[1];
  const double eps = c.number(4, "epsilon");
  const Arr x = c.array(0, "x", size_t(rows) * d), gamma = c.array(1, "gamma", size_t(d)), beta = c.array(2, "beta", size_t(d));
  const Arr y = c.array(5, "y", size_t(rows) * d), stats = c.array(6, "stats", 2 * size_t(rows), true);
  const bool dbl = c.same_type({&x, &gamma, &beta, &y, &stats});
  if (c.failed) return nullptr;
  // tfjs adds ε as a float32 scalar.
  if (dbl) ln_forward<double>(rows, d, eps, p<double>(x), p<double>(gamma), p<double>(beta), p<double>(y), p<double>(stats));
  else ln_forward<float>(rows, d, float(eps), p<float>(x), p<float>(gamma), p<float>(beta), p<float>(y), p<float>(stats));
  return nullptr;
}

// layerNormBackward(x, gamma, stats, dy, [rows, d], dx, dGamma, dBeta)
napi_value layer_norm_backward(napi_env env, napi_callback_info info) {
  Call c(env, info);
  int32_t v[2];
  if (!c.ints(4, "dims must be [rows, features], positive integers", 2, v)) return nullptr;
  const int rows = v[0], d = v[1];
  const size_t n = size_t(rows) * d;
  const Arr x = c.array(0, "x", n), gamma = c.array(1, "gamma", size_t(d)), stats = c.array(2, "stats", 2 * size_t(rows));
  const Arr dy = c.array(3, "dy", n), dx = c.array(5, "dx", n), dg = c.array(6, "dGamma", size_t(d)), db = c.array(7, "dBeta", size_t(d));
  const bool dbl = c.same_type({&x, &gamma, &stats, &dy, &dx, &dg, &db});
  if (c.failed) return nullptr;
  if (dbl) ln_backward<double>(rows, d, p<double>(x), p<double>(gamma), p<double>(stats), p<double>(dy), p<double>(dx), p<double>(dg), p<double>(db));
  else ln_backward<float>(rows, d, p<float>(x), p<float>(gamma), p<float>(stats), p<float>(dy), p<float>(dx), p<float>(dg), p<float>(db));
  return nullptr;
}

}  // namespace fused_napi
