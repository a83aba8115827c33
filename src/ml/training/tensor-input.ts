import * as tf from '@tensorflow/tfjs';

/** Flat values plus a shape: how datasets arrive from the features module (no copies). */
export interface FlatTensorData {
  values: Float32Array;
  shape: number[];
}

export type NestedNumbers = number[] | NestedNumbers[];

/** Anything fitNetwork accepts as x or y. */
export type TensorInput = tf.Tensor | FlatTensorData | NestedNumbers;

/** A tensor plus whether we created it (and so must dispose it) or the caller owns it. */
export interface OwnedTensor {
  tensor: tf.Tensor;
  owned: boolean;
}

export function isFlatTensorData(v: unknown): v is FlatTensorData {
  return (
    typeof v === 'object' &&
    v !== null &&
    'values' in v &&
    'shape' in v &&
    (v as FlatTensorData).values instanceof Float32Array
  );
}

/**
 * Convert to a float32 tensor. NaN/±Infinity are rejected here (for JS-side data, where
 * the check is one cheap pass) because one of them turns every weight into NaN within a
 * batch and the failure then shows up epochs later as a useless model.
 */
export function toTensor(input: TensorInput, name: string): OwnedTensor {
  if (input instanceof tf.Tensor) return { tensor: input, owned: false };
  if (isFlatTensorData(input)) {
    const size = input.shape.reduce((a, b) => a * b, 1);
    if (size !== input.values.length) {
      throw new RangeError(
        `${name}: shape [${input.shape.join(', ')}] needs ${size} values, got ${input.values.length}`,
      );
    }
    assertFinite(input.values, name);
    return { tensor: tf.tensor(input.values, input.shape, 'float32'), owned: true };
  }
  if (Array.isArray(input)) {
    assertNestedFinite(input, name);
    return { tensor: tf.tensor(input, undefined, 'float32'), owned: true };
  }
  throw new TypeError(`${name}: expected a tf.Tensor, {values: Float32Array, shape} or a nested number array`);
}

function assertFinite(values: ArrayLike<number>, name: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]))
      throw new RangeError(`${name}: value at flat index ${i} is ${values[i]} (must be finite)`);
  }
}

function assertNestedFinite(values: NestedNumbers, name: string): void {
  for (const v of values) {
    if (Array.isArray(v)) assertNestedFinite(v, name);
    else if (!Number.isFinite(v)) throw new RangeError(`${name}: contains ${v} (values must be finite)`);
  }
}
