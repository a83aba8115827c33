{
  "targets": [
    {
      "target_name": "fused_rnn",
      "sources": ["src/addon.cc", "src/kernels_avx2.cc", "src/kernels_portable.cc"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
