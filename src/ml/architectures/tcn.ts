import * as tf from '@tensorflow/tfjs';
import { SequencePooling } from '../layers';
import { lastDim, singleShape, singleTensor, type BaseLayerArgs } from '../layers/layer-args';
import type { ArchitectureDefinition } from './architecture';
import type { NetworkSpec } from './network-spec';
import { denseParameters } from './parameter-counts';

type Sym = tf.SymbolicTensor;

/** Taps of every convolution; with `layers` blocks of dilations 1, 2, 4… the receptive field is 1 + 2·(K−1)·(2^layers − 1). */
const KERNEL_SIZE = 3;
// Per step and unit, values a block keeps for backprop: two convolutions' K-tap inputs and
// outputs, their relu and dropout, the residual sum: generous on purpose.
const VALUES_PER_UNIT_STEP_AND_BLOCK = 4 * KERNEL_SIZE + 8;

export interface CausalConv1DArgs extends BaseLayerArgs {
  filters: number;
  kernelSize: number;
  dilation: number;
}

/**
 * Dilated causal 1-D convolution: y[t] = b + Σ_j W_j · x[t − (K−1−j)·d], with zeros before the
 * first step, so step t never sees a later bar. tfjs 4's Conv1D has no `causal` padding and no
 * gradient for dilation > 1, so the taps are gathered by slicing a left-padded input and
 * contracted in one matmul. The kernel is stored as Keras' Conv1D kernel, [K, in, filters].
 */
export class CausalConv1D extends tf.layers.Layer {
  static readonly className = 'WorkbenchCausalConv1D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly dilation: number;
  private kernel!: tf.LayerVariable;
  private bias!: tf.LayerVariable;

  constructor(args: CausalConv1DArgs) {
    super(args);
    for (const key of ['filters', 'kernelSize', 'dilation'] as const) {
      if (!Number.isInteger(args[key]) || args[key] <= 0)
        throw new Error(`CausalConv1D: ${key} must be a positive integer (got ${args[key]})`);
    }
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.dilation = args.dilation;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const channels = lastDim(singleShape(inputShape), CausalConv1D.className);
    this.kernel = this.addWeight(
      'kernel',
      [this.kernelSize, channels, this.filters],
      'float32',
      tf.initializers.glorotUniform({}),
    );
    this.bias = this.addWeight('bias', [this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = singleShape(inputShape);
    return [...shape.slice(0, -1), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleTensor(inputs) as tf.Tensor3D;
      const [batch, time, channels] = x.shape;
      const k = this.kernelSize;
      const padded = tf.pad(x, [
        [0, 0],
        [(k - 1) * this.dilation, 0],
        [0, 0],
      ]);
      // Tap j of step t is padded[t + j·d] = x[t − (K−1−j)·d].
      const taps = Array.from({ length: k }, (_, j) =>
        tf.slice(padded, [0, j * this.dilation, 0], [batch, time, channels]),
      );
      const stacked = tf.reshape(tf.concat(taps, 2), [batch * time, k * channels]);
      const kernel = tf.reshape(this.kernel.read(), [k * channels, this.filters]);
      return tf.reshape(tf.add(tf.matMul(stacked, kernel), this.bias.read()), [batch, time, this.filters]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, dilation: this.dilation };
  }
}

tf.serialization.registerClass(CausalConv1D);

/**
 * Temporal convolutional network (Bai, Kolter & Koltun 2018), for windows:
 *   input → N × residual block (dilation 2^i) → last step → output
 *   block: h = Dropout(relu(CausalConv(x))); h = Dropout(relu(CausalConv(h)));
 *          x = relu(h + (x, or a 1×1 convolution of x when the widths differ))
 * Weight normalisation of the paper is left out (Adam trains these small nets without it).
 */
export function buildTcn(spec: NetworkSpec): tf.LayersModel {
  const dropout = (x: Sym, name: string): Sym =>
    spec.dropout > 0 ? (tf.layers.dropout({ rate: spec.dropout, name }).apply(x) as Sym) : x;
  const input = tf.input({ shape: [spec.window, spec.numFeatures], name: 'window' });
  let x: Sym = input;
  for (let i = 1; i <= spec.layers; i++) {
    const dilation = 2 ** (i - 1);
    const conv = (y: Sym, n: number) =>
      tf.layers.activation({ activation: 'relu', name: `block${i}_relu${n}` }).apply(
        new CausalConv1D({
          filters: spec.units,
          kernelSize: KERNEL_SIZE,
          dilation,
          name: `block${i}_conv${n}`,
        }).apply(y),
      ) as Sym;
    let h = dropout(conv(x, 1), `block${i}_dropout1`);
    h = dropout(conv(h, 2), `block${i}_dropout2`);
    const width = x.shape[x.shape.length - 1];
    const skip =
      width === spec.units
        ? x
        : (new CausalConv1D({ filters: spec.units, kernelSize: 1, dilation: 1, name: `block${i}_skip` }).apply(
            x,
          ) as Sym);
    x = tf.layers.add({ name: `block${i}_residual` }).apply([h, skip]) as Sym;
    x = tf.layers.activation({ activation: 'relu', name: `block${i}_out` }).apply(x) as Sym;
  }
  x = new SequencePooling({ mode: 'last', name: 'pooling' }).apply(x) as Sym;
  const output = tf.layers
    .dense({ units: spec.outputUnits, activation: spec.outputActivation, name: 'output' })
    .apply(x) as Sym;
  return tf.model({ inputs: input, outputs: output, name: 'tcn' });
}

export const TCN_ARCHITECTURE: ArchitectureDefinition = {
  name: 'tcn',
  summary: `temporal convolutional network: residual blocks of two dilated causal convolutions (kernel ${KERNEL_SIZE}, dilation 1, 2, 4… per block), last step, dense output`,
  offeredFor: ['time_series'],
  // Three blocks see 29 bars back, about the default window of 30.
  hyperparameterDefaults: { layers: 3 },
  nativeEngine: false,
  onnx: {
    exported: false,
    reason: 'the ONNX export has no mapping for its causal convolution (WorkbenchCausalConv1D) yet',
  },
  build: buildTcn,
  countParameters: ({ numFeatures: f, units: u, layers: n, outputUnits: out }) => {
    const conv = (inputs: number, k: number) => k * inputs * u + u;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const inputs = i === 0 ? f : u;
      total += conv(inputs, KERNEL_SIZE) + conv(u, KERNEL_SIZE) + (inputs === u ? 0 : conv(inputs, 1));
    }
    return total + denseParameters(u, out);
  },
  activationsPerSample: ({ window: w, numFeatures: f, units: u, layers: n, outputUnits: out }) =>
    w * f * (1 + KERNEL_SIZE) + n * w * u * VALUES_PER_UNIT_STEP_AND_BLOCK + out,
};
