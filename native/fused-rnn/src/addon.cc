// Node-API bindings: every argument array is a Float32Array (or, for tests, all Float64Array)
// view that the kernels read and write in place — no copies, so a view onto a wasm heap works.
#include <node_api.h>
#include <cstdio>
#include <string>
#include "gru.h"
#include "kernels.h"
#include "lstm.h"

namespace {

using fused::Dims;
using fused::RecAct;

struct Arr {
  void* data = nullptr;
  size_t length = 0;
  napi_typedarray_type type = napi_float32_array;
  bool present = false;
};

struct Call {
  napi_env env;
  napi_value argv[16];
  size_t argc = 16;
  bool failed = false;

  Call(napi_env e, napi_callback_info info) : env(e) { napi_get_cb_info(e, info, &argc, argv, nullptr, nullptr); }

  void fail(const std::string& msg) {
    if (!failed) napi_throw_type_error(env, nullptr, msg.c_str());
    failed = true;
  }

  Arr array(size_t i, const char* name, size_t expected, bool optional = false) {
    Arr a;
    if (failed) return a;
    napi_valuetype vt = napi_undefined;
    if (i < argc) napi_typeof(env, argv[i], &vt);
    if (optional && (vt == napi_null || vt == napi_undefined)) return a;
    bool is_ta = false;
    if (i < argc) napi_is_typedarray(env, argv[i], &is_ta);
    if (!is_ta) {
      fail(std::string(name) + " must be a Float32Array or Float64Array");
      return a;
    }
    napi_value buf;
    size_t off;
    napi_get_typedarray_info(env, argv[i], &a.type, &a.length, &a.data, &buf, &off);
    if (a.type != napi_float32_array && a.type != napi_float64_array) fail(std::string(name) + " must be a Float32Array or Float64Array");
    else if (a.length != expected) fail(std::string(name) + " has " + std::to_string(a.length) + " elements, expected " + std::to_string(expected));
    a.present = true;
    return a;
  }

  int32_t integer(size_t i, const char* name) {
    int32_t v = 0;
    if (failed) return v;
    if (i >= argc || napi_get_value_int32(env, argv[i], &v) != napi_ok) fail(std::string(name) + " must be an integer");
    return v;
  }

  bool boolean(size_t i) {
    bool v = false;
    if (!failed && i < argc) napi_get_value_bool(env, argv[i], &v);
    return v;
  }

  Dims dims(size_t i) {
    Dims d{0, 0, 0, 0};
    if (failed) return d;
    bool is_array = false;
    if (i < argc) napi_is_array(env, argv[i], &is_array);
    uint32_t len = 0;
    if (is_array) napi_get_array_length(env, argv[i], &len);
    if (len != 4) {
      fail("dims must be [batch, timeSteps, inputFeatures, units]");
      return d;
    }
    int32_t v[4];
    for (uint32_t j = 0; j < 4; j++) {
      napi_value e;
      napi_get_element(env, argv[i], j, &e);
      if (napi_get_value_int32(env, e, &v[j]) != napi_ok || v[j] < 1) {
        fail("dims must be positive integers");
        return d;
      }
    }
    return Dims{v[0], v[1], v[2], v[3]};
  }

  RecAct act(size_t i) {
    const int32_t a = integer(i, "recurrentActivation");
    if (!failed && a != 0 && a != 1) fail("recurrentActivation must be 0 (sigmoid) or 1 (hardSigmoid)");
    return a == 1 ? RecAct::HardSigmoid : RecAct::Sigmoid;
  }

  // All arrays one element type; returns true for double.
  bool same_type(std::initializer_list<const Arr*> arrays) {
    if (failed) return false;
    const Arr* first = *arrays.begin();
    for (const Arr* a : arrays)
      if (a->present && a->type != first->type) fail("all arrays must have the same element type");
    return first->type == napi_float64_array;
  }
};

template <typename T>
T* p(const Arr& a) { return a.present ? static_cast<T*>(a.data) : nullptr; }

// forward(x, W, U, b|null, dims, act, h, saved) for a cell with `gates` gate blocks.
template <int Gates>
napi_value forward(napi_env env, napi_callback_info info) {
  Call c(env, info);
  const Dims d = c.dims(4);
  const RecAct act = c.act(5);
  const size_t BT = size_t(d.B) * d.T, GH = size_t(Gates) * d.H;
  const Arr x = c.array(0, "x", BT * d.I), W = c.array(1, "kernel", size_t(d.I) * GH), U = c.array(2, "recurrentKernel", size_t(d.H) * GH);
  const Arr b = c.array(3, "bias", GH, true);
  const Arr h = c.array(6, "h", BT * d.H);
  const size_t saved_size = Gates == 4 ? fused::lstm_saved_size(d) : fused::gru_saved_size(d);
  const Arr s = c.array(7, "saved", saved_size);
  const bool dbl = c.same_type({&x, &W, &U, &b, &h, &s});
  if (c.failed) return nullptr;
  if (Gates == 4) {
    if (dbl) fused::lstm_forward(fused::double_kernels(), d, act, p<double>(x), p<double>(W), p<double>(U), p<double>(b), p<double>(h), p<double>(s));
    else fused::lstm_forward(fused::float_kernels(), d, act, p<float>(x), p<float>(W), p<float>(U), p<float>(b), p<float>(h), p<float>(s));
  } else {
    if (dbl) fused::gru_forward(fused::double_kernels(), d, act, p<double>(x), p<double>(W), p<double>(U), p<double>(b), p<double>(h), p<double>(s));
    else fused::gru_forward(fused::float_kernels(), d, act, p<float>(x), p<float>(W), p<float>(U), p<float>(b), p<float>(h), p<float>(s));
  }
  return nullptr;
}

// backward(x, W, U, h, saved, dh, dims, act, sequence, dx, dW, dU, db|null)
template <int Gates>
napi_value backward(napi_env env, napi_callback_info info) {
  Call c(env, info);
  const Dims d = c.dims(6);
  const RecAct act = c.act(7);
  const bool sequence = c.boolean(8);
  const size_t BT = size_t(d.B) * d.T, GH = size_t(Gates) * d.H;
  const size_t saved_size = Gates == 4 ? fused::lstm_saved_size(d) : fused::gru_saved_size(d);
  const Arr x = c.array(0, "x", BT * d.I), W = c.array(1, "kernel", size_t(d.I) * GH), U = c.array(2, "recurrentKernel", size_t(d.H) * GH);
  const Arr h = c.array(3, "h", BT * d.H), s = c.array(4, "saved", saved_size);
  const Arr dh = c.array(5, "dh", (sequence ? BT : size_t(d.B)) * d.H);
  const Arr dx = c.array(9, "dx", BT * d.I), dW = c.array(10, "dKernel", size_t(d.I) * GH), dU = c.array(11, "dRecurrentKernel", size_t(d.H) * GH);
  const Arr db = c.array(12, "dBias", GH, true);
  const bool dbl = c.same_type({&x, &W, &U, &h, &s, &dh, &dx, &dW, &dU, &db});
  if (c.failed) return nullptr;
#define FUSED_ARGS(T) p<T>(x), p<T>(W), p<T>(U), p<T>(h), p<T>(s), p<T>(dh), sequence, p<T>(dx), p<T>(dW), p<T>(dU), p<T>(db)
  if (Gates == 4) {
    if (dbl) fused::lstm_backward(fused::double_kernels(), d, act, FUSED_ARGS(double));
    else fused::lstm_backward(fused::float_kernels(), d, act, FUSED_ARGS(float));
  } else {
    if (dbl) fused::gru_backward(fused::double_kernels(), d, act, FUSED_ARGS(double));
    else fused::gru_backward(fused::float_kernels(), d, act, FUSED_ARGS(float));
  }
#undef FUSED_ARGS
  return nullptr;
}

napi_value info(napi_env env, napi_callback_info) {
  napi_value obj, simd, avx2;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, fused::float_kernel_name(), NAPI_AUTO_LENGTH, &simd);
  napi_get_boolean(env, fused::avx2_available(), &avx2);
  napi_set_named_property(env, obj, "kernels", simd);
  napi_set_named_property(env, obj, "cpuHasAvx2Fma", avx2);
  return obj;
}

napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"lstmForward", nullptr, forward<4>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"lstmBackward", nullptr, backward<4>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gruForward", nullptr, forward<3>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gruBackward", nullptr, backward<3>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, info, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
