import type { PositionalEncodingMode, SequencePoolingMode } from '../layers';

export const OUTPUT_ACTIVATIONS = ['linear', 'softmax', 'sigmoid'] as const;
export type OutputActivation = (typeof OUTPUT_ACTIVATIONS)[number];

/** A supervised network over windows of [window, numFeatures]. */
export interface NetworkSpec {
  /** A name in the architecture registry (registry.ts); validateNetworkSpec checks it. */
  architecture: string;
  window: number;
  numFeatures: number;
  /** Width of every hidden layer (recurrent units, d_model, or dense width). */
  units: number;
  /** Number of stacked recurrent layers, encoder blocks, or dense layers. */
  layers: number;
  /** Dropout rate after each hidden layer / sub-block, in [0, 1). */
  dropout: number;
  /** Transformer only: attention heads; `units` must be divisible by it (default 4, or fewer if units is smaller). */
  heads?: number;
  outputUnits: number;
  outputActivation: OutputActivation;
  /** Transformer only: width of the feed-forward sub-layer (default 4 × units). */
  feedForwardUnits?: number;
  /** Transformer only: how the sequence becomes one vector (default `last`). */
  pooling?: SequencePoolingMode;
  /** Transformer only (default `sinusoidal`). */
  positionalEncoding?: PositionalEncodingMode;
}

export interface AutoencoderSpec {
  architecture: 'dense' | 'lstm';
  window: number;
  numFeatures: number;
  /** Width of the first encoder layer; each further encoder layer halves it; the last is the code. */
  units: number;
  /** Encoder depth (default 2); the decoder mirrors it. */
  layers?: number;
  dropout?: number;
}

/** Lists every problem of a spec at once, so an API client can fix them in one go. */
export class InvalidNetworkSpecError extends Error {
  override readonly name = 'InvalidNetworkSpecError';
  constructor(readonly problems: string[]) {
    super(`invalid network spec: ${problems.join('; ')}`);
  }
}

/** The value a client sent, as an error message echoes it (String's form: a JSON number stays itself). */
const shown = (v: unknown): string => String(v);

export const positiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;

export function checkCommon(
  spec: { window: unknown; numFeatures: unknown; units: unknown; layers?: unknown; dropout?: unknown },
  problems: string[],
): void {
  for (const key of ['window', 'numFeatures', 'units'] as const) {
    if (!positiveInt(spec[key])) problems.push(`${key} must be a positive integer (got ${String(spec[key])})`);
  }
  if (spec.layers !== undefined && !positiveInt(spec.layers))
    problems.push(`layers must be a positive integer (got ${shown(spec.layers)})`);
  if (spec.dropout !== undefined && !(typeof spec.dropout === 'number' && spec.dropout >= 0 && spec.dropout < 1)) {
    problems.push(`dropout must be in [0, 1) (got ${shown(spec.dropout)})`);
  }
}

/** Default heads: 4 when units allows it, else the largest divisor of units below 4. */
export function resolveHeads(spec: Pick<NetworkSpec, 'units' | 'heads'>): number {
  if (spec.heads !== undefined) return spec.heads;
  for (const h of [4, 3, 2]) if (spec.units % h === 0) return h;
  return 1;
}

export function validateAutoencoderSpec(spec: AutoencoderSpec): void {
  const problems: string[] = [];
  if (spec.architecture !== 'dense' && spec.architecture !== 'lstm') {
    problems.push(`autoencoder architecture must be dense or lstm (got ${String(spec.architecture)})`);
  }
  checkCommon(spec, problems);
  if (problems.length) throw new InvalidNetworkSpecError(problems);
}

/** Encoder widths: units, units/2, … (at least 1); the last one is the code size. */
export function autoencoderWidths(spec: Pick<AutoencoderSpec, 'units' | 'layers'>): number[] {
  const depth = spec.layers ?? 2;
  return Array.from({ length: depth }, (_, i) => Math.max(1, Math.floor(spec.units / 2 ** i)));
}
