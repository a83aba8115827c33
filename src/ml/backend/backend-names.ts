import type { NativeEngineDescription } from '../native';
/**
 * The TensorFlow.js backends this service knows how to start, as named by `TF_BACKEND`.
 * `auto` means "the fastest one this machine can actually load", in the order
 * WebGPU on a hardware adapter (Dawn) → GPU (tfjs-node-gpu) → native CPU (tfjs-node) →
 * WebAssembly → plain JavaScript.
 */
export const TF_BACKEND_CHOICES = ['auto', 'webgpu', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;

export type TfBackendChoice = (typeof TF_BACKEND_CHOICES)[number];

/** A backend that actually runs (what `auto` resolves to). */
export type TfBackendName = Exclude<TfBackendChoice, 'auto'>;

/** Dawn's native API under the WebGPU backend (WEBGPU_DAWN_BACKEND). */
export const WEBGPU_DAWN_BACKENDS = ['vulkan', 'opengles'] as const;
export type WebGpuDawnBackend = (typeof WEBGPU_DAWN_BACKENDS)[number];

/** The GPU adapter the WebGPU backend runs on, as Dawn reports it. */
export interface WebGpuAdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU rasteriser (Mesa llvmpipe/lavapipe, SwiftShader): correct, but slower than the CPU backends. */
  software: boolean;
  dawnBackend: WebGpuDawnBackend;
  /** `compatibility` on OpenGL ES, `core` on Vulkan. */
  featureLevel: 'core' | 'compatibility';
}

export function isTfBackendChoice(value: unknown): value is TfBackendChoice {
  return typeof value === 'string' && (TF_BACKEND_CHOICES as readonly string[]).includes(value);
}

/**
 * What the service reports about the backend it trains on (health, model metadata).
 * `simd`/`threads` only mean something for wasm; `version` is the version of the package
 * that provides the backend, so a report says e.g. "wasm 4.22.0, SIMD, 1 thread".
 */
export interface TfBackendDescription {
  name: TfBackendName;
  /** The name tfjs itself uses for the backend (`tensorflow` for both native packages). */
  tfjsBackend: string;
  version: string;
  simd?: boolean;
  threads?: number;
  /** true when the wasm BatchMatMul kernel was replaced by the transpose-first variant. */
  matMulPatched?: boolean;
  /** webgpu: the adapter it runs on. */
  adapter?: WebGpuAdapterDescription;
  /** Which engine computes LSTM/GRU layers on this backend: the fused native addon or tfjs-layers' cells. */
  engine?: NativeEngineDescription;
}
