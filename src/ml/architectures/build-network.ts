import type * as tf from '@tensorflow/tfjs';
import type { NetworkSpec } from './network-spec';
import { getArchitecture, validateNetworkSpec } from './registry';

/**
 * Build an uncompiled model mapping [batch, window, numFeatures] → [batch, outputUnits], with
 * the builder its architecture registered (registry.ts).
 * Weights are initialised from Math.random (see random.ts): seed it first for repeatable runs.
 */
export function buildNetwork(spec: NetworkSpec): tf.LayersModel {
  validateNetworkSpec(spec);
  return getArchitecture(spec.architecture).build(spec);
}
