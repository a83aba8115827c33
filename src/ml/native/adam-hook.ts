import * as tf from '@tensorflow/tfjs';
import { FUSED_ADAM, fusedKernelsRegistered } from './kernels';

type NamedTensor = { name: string; tensor: tf.Tensor };

/**
 * tfjs-core's AdamOptimizer.applyGradients with the per-variable arithmetic (ten ops per
 * variable and batch, each a kernel call with its own overhead) done by one native kernel.
 * Same state (the moment variables, accBeta1/2, iterations), same float32 rounding of every
 * step, so the weights equal the stock optimizer's; on a backend without the kernel the
 * stock code runs.
 */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  incrementIterations(): void;
}
type Apply = (this: AdamInternals, variableGradients: tf.NamedTensorMap | NamedTensor[]) => void;

const proto = tf.AdamOptimizer.prototype as unknown as { applyGradients: Apply };
let original: Apply | undefined;
let fusedSteps = 0;

const f32 = Math.fround;

export function installAdamHook(): void {
  if (original) return;
  const stock = proto.applyGradients;
  original = stock;
  proto.applyGradients = function fusedApplyGradients(this: AdamInternals, variableGradients) {
    if (!fusedKernelsRegistered(tf.getBackend())) return stock.call(this, variableGradients);
    fusedSteps++;
    const list = Array.isArray(variableGradients);
    const names = list ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const registered = tf.engine().registeredVariables;
    tf.tidy(() => {
      // [beta1, 1−beta1, beta2, 1−beta2, (1−accBeta1), (1−accBeta2), epsilon, −lr] as float32
      // scalar tensors hold them; the kernel fills in 1−accBeta from the accBeta inputs.
      const scalars = Float32Array.of(
        f32(this.beta1),
        f32(1 - this.beta1),
        f32(this.beta2),
        f32(1 - this.beta2),
        0,
        0,
        f32(this.epsilon),
        f32(-this.learningRate),
      );
      const { accBeta1, accBeta2 } = this;
      names.forEach((name, i) => {
        const value = registered[name];
        if (this.accumulatedFirstMoment[i] == null)
          this.accumulatedFirstMoment[i] = {
            originalName: `${name}/m`,
            variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
          };
        if (this.accumulatedSecondMoment[i] == null)
          this.accumulatedSecondMoment[i] = {
            originalName: `${name}/v`,
            variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
          };
        const gradient = list ? variableGradients[i].tensor : variableGradients[name];
        if (gradient == null) return;
        const m = this.accumulatedFirstMoment[i].variable;
        const v = this.accumulatedSecondMoment[i].variable;
        const [newValue, newM, newV] = tf.engine().runKernel<tf.Tensor[]>(
          FUSED_ADAM,
          { value, m, v, gradient, accBeta1, accBeta2 },
          {
            scalars,
          },
        );
        m.assign(newM);
        v.assign(newV);
        value.assign(newValue);
      });
      this.accBeta1.assign(tf.mul(this.accBeta1, this.beta1));
      this.accBeta2.assign(tf.mul(this.accBeta2, this.beta2));
    });
    this.incrementIterations();
  };
}

export function uninstallAdamHook(): void {
  if (original) proto.applyGradients = original;
  original = undefined;
}

/** Optimizer steps that took the fused path since the last reset (tests, benchmarks). */
export function fusedAdamSteps(reset = false): number {
  const n = fusedSteps;
  if (reset) fusedSteps = 0;
  return n;
}
