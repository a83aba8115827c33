/**
 * The TensorFlow.js backends this service knows how to start, as named by `TF_BACKEND`.
 * `auto` means "the fastest one this machine can actually load", in the order
 * GPU (tfjs-node-gpu) → native CPU (tfjs-node) → WebAssembly → plain JavaScript.
 */
export const TF_BACKEND_CHOICES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;

export type TfBackendChoice = (typeof TF_BACKEND_CHOICES)[number];

/** A backend that actually runs (what `auto` resolves to). */
export type TfBackendName = Exclude<TfBackendChoice, 'auto'>;

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
}
