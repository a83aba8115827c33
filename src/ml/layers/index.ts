// Importing this module registers every custom layer with tf.serialization, which
// loadLayersModel needs to rebuild saved models: the io loader imports it for that reason.
export { LayerNorm, type LayerNormArgs } from './layer-normalization';
export { MultiHeadSelfAttention, type MultiHeadSelfAttentionArgs } from './multi-head-self-attention';
export {
  PositionalEncoding,
  sinusoidalPositions,
  type PositionalEncodingArgs,
  type PositionalEncodingMode,
} from './positional-encoding';
export { SequencePooling, type SequencePoolingArgs, type SequencePoolingMode } from './sequence-pooling';
export { anomalyScorer, ReconstructionError } from './reconstruction-error';
export type { BaseLayerArgs } from './layer-args';

export const CUSTOM_LAYER_CLASS_NAMES = [
  'WorkbenchLayerNorm',
  'WorkbenchMultiHeadSelfAttention',
  'WorkbenchPositionalEncoding',
  'WorkbenchSequencePooling',
  'WorkbenchReconstructionError',
] as const;
