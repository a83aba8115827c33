import type * as tf from '@tensorflow/tfjs';
import { buildDense } from './dense';
import { validateNetworkSpec, type NetworkSpec } from './network-spec';
import { buildRecurrent } from './recurrent';
import { buildTransformer } from './transformer';

/**
 * Build an uncompiled model mapping [batch, window, numFeatures] → [batch, outputUnits].
 * Weights are initialised from Math.random (see random.ts): seed it first for repeatable runs.
 */
export function buildNetwork(spec: NetworkSpec): tf.LayersModel {
  validateNetworkSpec(spec);
  switch (spec.architecture) {
    case 'lstm':
    case 'gru':
      return buildRecurrent({ ...spec, architecture: spec.architecture });
    case 'transformer':
      return buildTransformer(spec);
    case 'dense':
      return buildDense(spec);
  }
}
