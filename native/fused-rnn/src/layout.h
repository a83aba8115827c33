// Shapes, the recurrent activation codes and the layout of the state a forward pass leaves
// for its backward pass. Plain inline code with no kernels in it: included before any target
// pragma, so every unit shares one (baseline) copy.
#pragma once
#include <algorithm>
#include <cstddef>

namespace fused {

struct Dims {
  int B, T, I, H;  // batch, time steps, input features, units
};

// tfjs-layers' recurrentActivation: sigmoid, or hardSigmoid = clip(0.2·x + 0.5, 0, 1).
enum class RecAct { Sigmoid = 0, HardSigmoid = 1 };

// The state a forward pass leaves for its backward pass (one float array, opaque to callers):
//   header: [chunk count P | W (I×G) | Uᵀ (G×H)], padded to 16 floats;
//   then per chunk of Bc batch rows, time-major (row (t, r) = step t of row r):
//     x (T·Bc·I) | h (T·Bc·H) | gates after activation (T·Bc·G) | extra (E·T·Bc·H)
//   LSTM: G = 4H, extra = c, tanh(c) (E = 2); GRU: G = 3H, extra = r∘h₋₁ (E = 1).
// Rows are split into chunks so that each thread runs the recurrence of its rows on its own
// (rows of a batch never interact), and time-major so that each step's rows are contiguous.
struct Layout {
  Dims d;
  int G, E, P;
  size_t header, per_row;

  Layout(const Dims& dims, int gates, int extra, int chunks) : d(dims), G(gates * dims.H), E(extra), P(chunks) {
    header = (1 + size_t(G) * (d.I + d.H) + 15) / 16 * 16;
    per_row = size_t(d.T) * (d.I + d.H + G + E * d.H);
  }
  size_t size() const { return header + per_row * d.B; }
  int r0(int p) const { return int(long(p) * d.B / P); }
  int rows(int p) const { return r0(p + 1) - r0(p); }
  size_t chunk(int p) const { return header + per_row * r0(p); }
  size_t w() const { return 1; }
  size_t ut() const { return 1 + size_t(G) * d.I; }
};

// Chunk count for a batch: one chunk per thread, but at least 8 rows each (fewer rows make
// the per-step GEMMs too thin to pay for a second thread).
inline int chunks_for(int B, int threads) { return std::max(1, std::min(threads, B / 8)); }

}  // namespace fused
