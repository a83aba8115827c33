// Argument parsing shared by the bindings (addon.cc, attention.cc): every array is a
// Float32Array or Float64Array view read and written in place; bad arguments become a
// TypeError (fail), never a crash.
#pragma once
#include <node_api.h>
#include <initializer_list>
#include <string>
#include "layout.h"

namespace fused_napi {

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

  // n positive integers from a JS array (dims of the attention and layer-norm calls).
  bool ints(size_t i, const char* what, int n, int32_t* out) {
    if (failed) return false;
    bool is_array = false;
    uint32_t len = 0;
    if (i < argc) napi_is_array(env, argv[i], &is_array);
    if (is_array) napi_get_array_length(env, argv[i], &len);
    if (!is_array || len != uint32_t(n)) {
      fail(std::string(what));
      return false;
    }
    for (int j = 0; j < n; j++) {
      napi_value e;
      napi_get_element(env, argv[i], uint32_t(j), &e);
      if (napi_get_value_int32(env, e, &out[j]) != napi_ok || out[j] < 1) {
        fail(std::string(what));
        return false;
      }
    }
    return true;
  }

  double number(size_t i, const char* name) {
    double v = 0;
    if (!failed && (i >= argc || napi_get_value_double(env, argv[i], &v) != napi_ok)) fail(std::string(name) + " must be a number");
    return v;
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

}  // namespace fused_napi
