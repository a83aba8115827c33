{
  "targets": [
    {
      "target_name": "fused_rnn",
      "sources": ["src/addon.cc", "src/attention.cc", "src/layer_norm.cc", "src/dispatch.cc", "src/pool.cc", "src/kernels_portable.cc", "src/kernels_avx2.cc", "src/kernels_avx512.cc"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-ffp-contract=off"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
