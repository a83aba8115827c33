// Node-API bindings: every argument array is a Float32Array (or, for tests, all Float64Array)
// view that the kernels read and write in place — no copies, so a view onto a wasm heap works.
// One layer call splits its batch rows into chunks run on the pool's threads (pool.h).
#include <node_api.h>
#include <cstdio>
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>
#include "kernels.h"
#include "layout.h"
#include "napi_call.h"
#include "pool.h"

namespace fused_napi {
napi_value attention_forward(napi_env env, napi_callback_info info);
napi_value attention_backward(napi_env env, napi_callback_info info);
napi_value layer_norm_forward(napi_env env, napi_callback_info info);
napi_value layer_norm_backward(napi_env env, napi_callback_info info);
}  // namespace fused_napi

namespace {

using namespace fused_napi;

constexpr int gates_of(bool lstm) { return lstm ? 4 : 3; }
constexpr int extra_of(bool lstm) { return lstm ? 2 : 1; }

template <typename T>
const fused::Passes<T>& passes();
template <>
const fused::Passes<float>& passes<float>() { return fused::float_passes(); }
template <>
const fused::Passes<double>& passes<double>() { return fused::double_passes(); }

// Header of the state: chunk count, W and Uᵀ (the backward pass multiplies by Wᵀ and Uᵀ).
template <typename T>
void write_header(const fused::Layout& L, const T* W, const T* U, T* state) {
  const int G = L.G, I = L.d.I, H = L.d.H;
  state[0] = T(L.P);
  std::memcpy(state + L.w(), W, sizeof(T) * size_t(I) * G);
  T* Ut = state + L.ut();
  for (int h = 0; h < H; h++)
    for (int g = 0; g < G; g++) Ut[size_t(g) * H + h] = U[size_t(h) * G + g];
}

template <typename T, bool Lstm>
void run_forward(const fused::Dims& d, RecAct act, const T* x, const T* W, const T* U, const T* b, bool sequence, T* y, T* state) {
  const fused::Layout L(d, gates_of(Lstm), extra_of(Lstm), fused::chunks_for(d.B, fused::max_threads()));
  const auto& k = passes<T>();
  if (!state) {
    fused::parallel_for(L.P, [&](int part) { (Lstm ? k.lstm_infer : k.gru_infer)(L, part, act, x, W, U, b, sequence, y); });
    return;
  }
  write_header(L, W, U, state);
  fused::parallel_for(L.P, [&](int part) { (Lstm ? k.lstm_forward : k.gru_forward)(L, part, act, x, W, U, b, sequence, y, state); });
}

template <typename T, bool Lstm>
void run_backward(const fused::Layout& L, RecAct act, const T* state, const T* dy, bool sequence, T* dx, T* dW, T* dU, T* db) {
  const size_t nW = size_t(L.d.I) * L.G, nU = size_t(L.d.H) * L.G, nb = size_t(L.G);
  // Chunks after the first sum their weight gradients here; the caller adds them up.
  // (A thread_local is not captured by the lambda: the workers must get the pointer.)
  thread_local std::vector<T> partial;
  partial.assign((nW + nU + nb) * (L.P - 1), T(0));
  T* const partials = partial.data();
  const auto& k = passes<T>();
  fused::parallel_for(L.P, [&, partials](int part) {
    T* base = part == 0 ? nullptr : partials + (nW + nU + nb) * (part - 1);
    (Lstm ? k.lstm_backward : k.gru_backward)(L, part, act, state, dy, sequence, dx, base ? base : dW, base ? base + nW : dU, db ? (base ? base + nW + nU : db) : nullptr);
  });
  for (int part = 1; part < L.P; part++) {
    const T* base = partial.data() + (nW + nU + nb) * (part - 1);
    for (size_t i = 0; i < nW; i++) dW[i] += base[i];
    for (size_t i = 0; i < nU; i++) dU[i] += base[nW + i];
    if (db)
      for (size_t i = 0; i < nb; i++) db[i] += base[nW + nU + i];
  }
}

size_t state_size(bool lstm, const fused::Dims& d) { return fused::Layout(d, gates_of(lstm), extra_of(lstm), 1).size(); }

// forward(x, W, U, b|null, dims, act, sequence, y, state|null): y is [B,T,H] when `sequence`,
// else [B,H]; state (stateSize floats) keeps what the backward pass needs; null: inference.
template <bool Lstm>
napi_value forward(napi_env env, napi_callback_info info) {
  Call c(env, info);
  const Dims d = c.dims(4);
  const RecAct act = c.act(5);
  const bool sequence = c.boolean(6);
  const size_t BT = size_t(d.B) * d.T, G = size_t(gates_of(Lstm)) * d.H;
  const Arr x = c.array(0, "x", BT * d.I), W = c.array(1, "kernel", size_t(d.I) * G), U = c.array(2, "recurrentKernel", size_t(d.H) * G);
  const Arr b = c.array(3, "bias", G, true);
  const Arr y = c.array(7, "y", (sequence ? BT : size_t(d.B)) * d.H);
  const Arr s = c.array(8, "state", c.failed ? 0 : state_size(Lstm, d), true);
  const bool dbl = c.same_type({&x, &W, &U, &b, &y, &s});
  if (c.failed) return nullptr;
  if (dbl) run_forward<double, Lstm>(d, act, p<double>(x), p<double>(W), p<double>(U), p<double>(b), sequence, p<double>(y), p<double>(s));
  else run_forward<float, Lstm>(d, act, p<float>(x), p<float>(W), p<float>(U), p<float>(b), sequence, p<float>(y), p<float>(s));
  return nullptr;
}

// backward(state, dy, dims, act, sequence, dx, dW, dU, db|null): dy is [B,T,H] when
// `sequence`, else [B,H]; the state is the one its forward call wrote.
template <bool Lstm>
napi_value backward(napi_env env, napi_callback_info info) {
  Call c(env, info);
  const Dims d = c.dims(2);
  const RecAct act = c.act(3);
  const bool sequence = c.boolean(4);
  const size_t BT = size_t(d.B) * d.T, G = size_t(gates_of(Lstm)) * d.H;
  const Arr s = c.array(0, "state", c.failed ? 0 : state_size(Lstm, d));
  const Arr dy = c.array(1, "dy", (sequence ? BT : size_t(d.B)) * d.H);
  const Arr dx = c.array(5, "dx", BT * d.I), dW = c.array(6, "dKernel", size_t(d.I) * G), dU = c.array(7, "dRecurrentKernel", size_t(d.H) * G);
  const Arr db = c.array(8, "dBias", G, true);
  const bool dbl = c.same_type({&s, &dy, &dx, &dW, &dU, &db});
  if (c.failed) return nullptr;
  const double chunks = dbl ? p<double>(s)[0] : double(p<float>(s)[0]);
  if (!(chunks >= 1 && chunks <= d.B && chunks == int(chunks))) {
    c.fail("state was not written by a forward pass of these dims");
    return nullptr;
  }
  const fused::Layout L(d, gates_of(Lstm), extra_of(Lstm), int(chunks));
  if (dbl) run_backward<double, Lstm>(L, act, p<double>(s), p<double>(dy), sequence, p<double>(dx), p<double>(dW), p<double>(dU), p<double>(db));
  else run_backward<float, Lstm>(L, act, p<float>(s), p<float>(dy), sequence, p<float>(dx), p<float>(dW), p<float>(dU), p<float>(db));
  return nullptr;
}

// matMul(a, b, [batch, batchA, batchB, M, N, K], transposeA, transposeB, c): tfjs's
// BatchMatMul on rank-3 views — c[i] = op(a[i or 0])·op(b[i or 0]), [batch, M, N]. Large
// products are split over the pool's threads (by batch, else by rows of c).
napi_value mat_mul(napi_env env, napi_callback_info info) {
  Call c(env, info);
  int32_t v[6] = {0, 0, 0, 0, 0, 0};
  bool ok = c.argc > 2;
  if (ok) {
    bool is_array = false;
    uint32_t len = 0;
    napi_is_array(env, c.argv[2], &is_array);
    if (is_array) napi_get_array_length(env, c.argv[2], &len);
    ok = is_array && len == 6;
    for (uint32_t j = 0; ok && j < 6; j++) {
      napi_value e;
      napi_get_element(env, c.argv[2], j, &e);
      ok = napi_get_value_int32(env, e, &v[j]) == napi_ok && v[j] >= 1;
    }
  }
  const int batch = v[0], batchA = v[1], batchB = v[2], M = v[3], N = v[4], K = v[5];
  if (!ok || (batchA != 1 && batchA != batch) || (batchB != 1 && batchB != batch)) {
    c.fail("dims must be [batch, batchA (1 or batch), batchB (1 or batch), M, N, K], positive integers");
    return nullptr;
  }
  const bool ta = c.boolean(3), tb = c.boolean(4);
  const Arr A = c.array(0, "a", size_t(batchA) * M * K), B = c.array(1, "b", size_t(batchB) * K * N), C = c.array(5, "c", size_t(batch) * M * N);
  if (!c.failed && (A.type != napi_float32_array || B.type != napi_float32_array || C.type != napi_float32_array)) c.fail("a, b and c must be Float32Arrays");
  if (c.failed) return nullptr;
  const float* a = p<float>(A);
  const float* b = p<float>(B);
  float* out = p<float>(C);
  const auto& k = fused::float_passes();
  // A transposed is only a stride; B transposed (N×K) is transposed here to K×N.
  std::vector<float> bt;
  if (tb) {
    bt.resize(size_t(batchB) * K * N);
    for (int i = 0; i < batchB; i++)
      for (int n = 0; n < N; n++)
        for (int kk = 0; kk < K; kk++) bt[(size_t(i) * K + kk) * N + n] = b[(size_t(i) * N + n) * K + kk];
    b = bt.data();
  }
  const long sam = ta ? 1 : K, sak = ta ? M : 1;
  const double flops = 2.0 * batch * M * N * K;
  const int parts = flops < 2e6 ? 1 : std::min(fused::max_threads(), batch >= 2 ? batch : std::max(1, M / 8));
  fused::parallel_for(parts, [&](int part) {
    if (batch >= parts) {
      for (int i = int(long(part) * batch / parts); i < int(long(part + 1) * batch / parts); i++)
        k.gemm(M, N, K, a + size_t(batchA == 1 ? 0 : i) * M * K, sam, sak, b + size_t(batchB == 1 ? 0 : i) * K * N, N, out + size_t(i) * M * N, N, false);
    } else {
      const int m0 = int(long(part) * M / parts), m1 = int(long(part + 1) * M / parts);
      k.gemm(m1 - m0, N, K, a + m0 * sam, sam, sak, b, N, out + size_t(m0) * N, N, false);
    }
  });
  return nullptr;
}

// stateSize(cell: "lstm" | "gru", dims): floats the state array of a forward call must hold.
napi_value state_size_js(napi_env env, napi_callback_info info) {
  Call c(env, info);
  char cell[8] = {0};
  size_t len = 0;
  if (c.argc < 1 || napi_get_value_string_utf8(env, c.argv[0], cell, sizeof cell, &len) != napi_ok || (std::string(cell) != "lstm" && std::string(cell) != "gru")) {
    c.fail("cell must be \"lstm\" or \"gru\"");
    return nullptr;
  }
  const Dims d = c.dims(1);
  if (c.failed) return nullptr;
  napi_value out;
  napi_create_double(env, double(state_size(std::string(cell) == "lstm", d)), &out);
  return out;
}

// adamStep(value, m, v, gradient, outValue, outM, outV, scalars): float32 arrays of one
// length; scalars = [beta1, 1−beta1, beta2, 1−beta2, 1−accBeta1, 1−accBeta2, epsilon, −lr].
napi_value adam(napi_env env, napi_callback_info info) {
  Call c(env, info);
  size_t n = 0;
  if (c.argc >= 1) {
    bool is_ta = false;
    napi_is_typedarray(env, c.argv[0], &is_ta);
    if (is_ta) napi_get_typedarray_info(env, c.argv[0], nullptr, &n, nullptr, nullptr, nullptr);
  }
  const char* names[] = {"value", "m", "v", "gradient", "outValue", "outM", "outV"};
  Arr a[7];
  for (int i = 0; i < 7; i++) a[i] = c.array(i, names[i], n);
  const Arr sc = c.array(7, "scalars", 8);
  for (int i = 0; i < 7 && !c.failed; i++)
    if (a[i].type != napi_float32_array) c.fail(std::string(names[i]) + " must be a Float32Array");
  if (!c.failed && sc.type != napi_float32_array) c.fail("scalars must be a Float32Array");
  if (c.failed) return nullptr;
  const float* k = p<float>(sc);
  const fused::AdamScalars s{k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7]};
  fused::adam_step(n, p<float>(a[0]), p<float>(a[1]), p<float>(a[2]), p<float>(a[3]), p<float>(a[4]), p<float>(a[5]), p<float>(a[6]), s);
  return nullptr;
}

napi_value info(napi_env env, napi_callback_info) {
  napi_value obj, kernels, avx2, avx512, threads;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, fused::float_kernel_name(), NAPI_AUTO_LENGTH, &kernels);
  napi_get_boolean(env, fused::avx2_available(), &avx2);
  napi_get_boolean(env, fused::avx512_available(), &avx512);
  napi_create_int32(env, fused::max_threads(), &threads);
  napi_set_named_property(env, obj, "kernels", kernels);
  napi_set_named_property(env, obj, "cpuHasAvx2Fma", avx2);
  napi_set_named_property(env, obj, "cpuHasAvx512", avx512);
  napi_set_named_property(env, obj, "threads", threads);
  return obj;
}

napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"lstmForward", nullptr, forward<true>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"lstmBackward", nullptr, backward<true>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gruForward", nullptr, forward<false>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gruBackward", nullptr, backward<false>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"stateSize", nullptr, state_size_js, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adamStep", nullptr, adam, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matMul", nullptr, mat_mul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"attentionForward", nullptr, attention_forward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"attentionBackward", nullptr, attention_backward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"layerNormForward", nullptr, layer_norm_forward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"layerNormBackward", nullptr, layer_norm_backward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, info, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
