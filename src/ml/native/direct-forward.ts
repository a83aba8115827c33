import * as tf from '@tensorflow/tfjs';
import type { FusedCell, FusedRnnAddon, RecurrentActivationCode } from './addon';
import { fusedKernelsRegistered, memoryOf } from './kernels';
import { activationCode, FUSED_CELL_CLASSES, fusableLayer, type RecurrentLayer } from './recurrent-hook';

/**
 * Predictions of a plain recurrent network — input → LSTM/GRU layers → dropout → dense layers,
 * what the lstm and gru architectures build — straight on the addon, without tfjs.
 *
 * Why: the fused layer computes one window in ≈0.06 ms, but tfjs-layers' `predict` around it
 * (input standardisation, the batch loop, slicing, the dense layer's kernels, tensor
 * bookkeeping) added 0.1–0.15 ms per call on this machine, and ~0.2 ms at 64 windows: more
 * than the whole model. Here each layer is one addon call on plain Float32Arrays (the same
 * inference kernel the tfjs path calls, so the same values) and the dense layers a few
 * multiply-adds in JavaScript.
 *
 * The weights are copied once per model and kept while every variable still holds the same
 * data (a `fit`, `setWeights` or load replaces a variable's data, and the next call copies
 * again). Any other shape of network, a layer option the fused path does not cover, or a
 * backend other than wasm/cpu: undefined, and the caller runs tfjs.
 */
type Activation = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax';
const ACTIVATIONS: readonly string[] = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'];

interface Variable {
  read(): tf.Tensor;
}
interface DenseLayer {
  units: number;
  useBias: boolean;
  activation?: { getClassName(): string };
  kernel: Variable;
  bias: Variable | null;
}
interface ChainLayer {
  getClassName(): string;
  inboundNodes: Array<{ inboundLayers: unknown[] }>;
}

type Step =
  | {
      kind: 'rnn';
      cell: FusedCell;
      act: RecurrentActivationCode;
      sequence: boolean;
      units: number;
      vars: [Variable, Variable, Variable];
    }
  | { kind: 'dense'; units: number; activation: Activation; vars: [Variable] | [Variable, Variable] };

interface Plan {
  window: number;
  features: number;
  steps: Step[];
  /** The weights as last copied, and the data ids they were copied from. */
  weights?: { dataIds: unknown[]; values: Float32Array[][] };
}

let addon: FusedRnnAddon | undefined;
const plans = new WeakMap<tf.LayersModel, Plan | null>();
let calls = 0;

export function installDirectForward(loaded: FusedRnnAddon): void {
  addon = loaded;
}

export function uninstallDirectForward(): void {
  addon = undefined;
}

/** Forward passes computed here since the last reset (tests, benchmarks). */
export function directForwardCalls(reset = false): number {
  const n = calls;
  if (reset) calls = 0;
  return n;
}

/**
 * The model's output for n = shape[0] windows (x already checked against shape), computed
 * `batchSize` windows at a time; undefined when this path does not apply.
 */
export function directForward(
  model: tf.LayersModel,
  x: Float32Array,
  shape: number[],
  batchSize: number,
): Float32Array | undefined {
  if (!addon || shape.length !== 3 || !fusedKernelsRegistered(tf.getBackend())) return undefined;
  let plan = plans.get(model);
  if (plan === undefined) {
    plan = planOf(model);
    plans.set(model, plan);
  }
  if (!plan || shape[1] !== plan.window || shape[2] !== plan.features) return undefined;
  const weights = currentWeights(plan);
  if (!weights) return undefined;
  calls++;
  const n = shape[0];
  const rowIn = plan.window * plan.features;
  const outUnits = plan.steps[plan.steps.length - 1].units;
  const out = new Float32Array(n * outUnits);
  const chunk = Math.max(1, Math.floor(batchSize));
  for (let r0 = 0; r0 < n; r0 += chunk) {
    const rows = Math.min(chunk, n - r0);
    const y = forwardRows(addon, plan, weights, x.subarray(r0 * rowIn, (r0 + rows) * rowIn), rows);
    out.set(y, r0 * outUnits);
  }
  return out;
}

function forwardRows(
  a: FusedRnnAddon,
  plan: Plan,
  weights: Float32Array[][],
  x: Float32Array,
  rows: number,
): Float32Array {
  let h = x;
  let width = plan.features;
  plan.steps.forEach((step, i) => {
    const w = weights[i];
    if (step.kind === 'rnn') {
      const y = new Float32Array(rows * (step.sequence ? plan.window : 1) * step.units);
      const run = step.cell === 'lstm' ? a.lstmForward : a.gruForward;
      run(h, w[0], w[1], w[2], [rows, plan.window, width, step.units], step.act, step.sequence, y, null);
      h = y;
    } else {
      h = dense(h, rows, width, step.units, w[0], w[1], step.activation);
    }
    width = step.units;
  });
  return h;
}

/** x [rows, inputs] · kernel [inputs, units] + bias, then the activation; float32 results. */
function dense(
  x: Float32Array,
  rows: number,
  inputs: number,
  units: number,
  kernel: Float32Array,
  bias: Float32Array | undefined,
  activation: Activation,
): Float32Array {
  const y = new Float32Array(rows * units);
  for (let r = 0; r < rows; r++) {
    const xr = r * inputs;
    const yr = r * units;
    for (let u = 0; u < units; u++) {
      let s = bias ? bias[u] : 0;
      for (let k = 0; k < inputs; k++) s += x[xr + k] * kernel[k * units + u];
      y[yr + u] = s;
    }
    activate(y.subarray(yr, yr + units), activation);
  }
  return y;
}

function activate(v: Float32Array, activation: Activation): void {
  switch (activation) {
    case 'linear':
      return;
    case 'relu':
      for (let i = 0; i < v.length; i++) v[i] = v[i] > 0 ? v[i] : 0;
      return;
    case 'sigmoid':
      for (let i = 0; i < v.length; i++) v[i] = 1 / (1 + Math.exp(-v[i]));
      return;
    case 'tanh':
      for (let i = 0; i < v.length; i++) v[i] = Math.tanh(v[i]);
      return;
    case 'softmax': {
      let max = -Infinity;
      for (let i = 0; i < v.length; i++) max = Math.max(max, v[i]);
      let sum = 0;
      for (let i = 0; i < v.length; i++) sum += Math.exp(v[i] - max);
      for (let i = 0; i < v.length; i++) v[i] = Math.exp(v[i] - max) / sum;
      return;
    }
  }
}

/** The weights as Float32Arrays, copied again when a variable's data was replaced; undefined when one is disposed. */
function currentWeights(plan: Plan): Float32Array[][] | undefined {
  // Every call (the predict path): one pass over the variables, nothing allocated while they are unchanged.
  const kept = plan.weights;
  let same = kept !== undefined;
  let i = 0;
  for (const step of plan.steps)
    for (const v of step.vars) {
      const t = v.read();
      if (t.isDisposed) return undefined;
      if (same && kept!.dataIds[i] !== t.dataId) same = false;
      i++;
    }
  if (same) return kept!.values;
  const tensors = plan.steps.map((s) => s.vars.map((v) => v.read()));
  // A copy of the backend's own memory (wasm heap, cpu arrays: this path runs on nothing else).
  const mem = memoryOf(tf.getBackend(), tf.backend());
  const values = tensors.map((ts) => ts.map((t) => mem.view(t).slice()));
  plan.weights = { dataIds: tensors.flat().map((t) => t.dataId), values };
  return values;
}

/** The steps of a model this path computes, or null (a layer it does not know, a branch, a shape it does not expect). */
function planOf(model: tf.LayersModel): Plan | null {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return null;
  const inShape = model.inputs[0].shape;
  if (inShape.length !== 3 || inShape[1] == null || inShape[2] == null) return null;
  const layers = model.layers as unknown as ChainLayer[];
  const steps: Step[] = [];
  let sequence = true; // what the previous layer hands on: [B,T,·] until a layer returns the last step only
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i];
    const name = layer.getClassName();
    if (i === 0) {
      if (name !== 'InputLayer') return null;
      continue;
    }
    const nodes = layer.inboundNodes;
    if (nodes.length !== 1 || nodes[0].inboundLayers.length !== 1 || nodes[0].inboundLayers[0] !== layers[i - 1])
      return null;
    if (name === 'Dropout') continue; // the identity at inference
    const cell = FUSED_CELL_CLASSES[name];
    if (cell) {
      const rnn = layer as unknown as RecurrentLayer;
      if (!sequence || !fusableLayer(rnn)) return null;
      const c = rnn.cell;
      steps.push({
        kind: 'rnn',
        cell,
        act: activationCode(rnn)!,
        sequence: rnn.returnSequences,
        units: c.units,
        vars: [c.kernel, c.recurrentKernel, c.bias!],
      });
      sequence = rnn.returnSequences;
      continue;
    }
    if (name === 'Dense') {
      const d = layer as unknown as DenseLayer;
      const activation = d.activation?.getClassName() ?? 'linear';
      if (sequence || !ACTIVATIONS.includes(activation) || (d.useBias && !d.bias)) return null;
      steps.push({
        kind: 'dense',
        units: d.units,
        activation: activation as Activation,
        vars: d.useBias ? [d.kernel, d.bias!] : [d.kernel],
      });
      continue;
    }
    return null;
  }
  const last = layers[layers.length - 1] as unknown;
  const outputLayers = (model as unknown as { outputLayers: unknown[] }).outputLayers;
  if (steps.length === 0 || sequence || outputLayers.length !== 1 || outputLayers[0] !== last) return null;
  return { window: inShape[1], features: inShape[2], steps };
}
