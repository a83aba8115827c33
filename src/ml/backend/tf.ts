import * as tf from '@tensorflow/tfjs';

/**
 * The one TensorFlow.js module the rest of the service uses. tfjs-node and tfjs-node-gpu
 * only add a backend to this same engine (they re-export the umbrella package), so
 * callers never need to know which native package, if any, was loaded.
 */
export type Tf = typeof tf;

export function getTf(): Tf {
  return tf;
}
