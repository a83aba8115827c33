/**
 * A trained tfjs LayersModel → an ONNX model (opset 18) computing the same function, for every
 * network this service builds: dense, LSTM, GRU and transformer regressors/classifiers, the
 * autoencoders' anomaly scorer and the DQN serving network (nested models are inlined).
 *
 * The graph takes the *scaled* window [batch, window, features] (input `window`) and returns
 * the network's raw output (output `output`): the scaler and the output mapping (target
 * un-scaling, class names, threshold, actions) are described in the version's signature, not
 * baked into the graph, so the same signature describes imported models too.
 *
 * Dropout layers are identities (inference). Any layer kind without a mapping here throws
 * OnnxExportError naming it, rather than writing a file that computes something else.
 */
import type * as tf from '@tensorflow/tfjs';
import { attr, encodeModel, type AttributeValue, ONNX_OPSET } from './onnx-model';
import { sinusoidalPositions } from '../layers/positional-encoding';
import { activation, gateActivation, GraphBuilder, OnnxExportError, transpose2d } from './graph-builder';

export const ONNX_INPUT = 'window';
export const ONNX_OUTPUT = 'output';
export const ONNX_BATCH_DIM = 'batch';

export { OnnxExportError };

type Sym = tf.SymbolicTensor;
type Layer = tf.layers.Layer;
interface Weight {
  shape: number[];
  values: Float32Array;
}

/**
 * Every weight's values, read asynchronously before the (synchronous) export: a synchronous
 * read would stall a GPU backend's thread (webgpu.spec.ts forbids them in src/ml).
 */
export async function readLayerWeights(model: tf.LayersModel): Promise<Map<number, Float32Array>> {
  const values = await Promise.all(model.weights.map((w) => w.read().data()));
  return new Map(model.weights.map((w, i) => [w.id, values[i] as Float32Array]));
}

/** The values read for the export under way (set by exportLayersModel for its synchronous run). */
let exportWeights: Map<number, Float32Array> | null = null;

/** A layer's weights by their short name (kernel, bias, recurrent_kernel, gamma…). */
function weightsOf(layer: Layer): Map<string, Weight> {
  const out = new Map<string, Weight>();
  for (const w of layer.weights) {
    const values = exportWeights?.get(w.id);
    if (!values) throw new OnnxExportError(`layer ${layer.name}: weight ${w.name} was not read before the export`);
    const short = (w.originalName ?? w.name).split('/').pop()!.replace(/_\d+$/, '');
    out.set(short, { shape: w.shape.map((d) => d ?? 0), values });
  }
  return out;
}

function need(weights: Map<string, Weight>, name: string, layer: Layer): Weight {
  const w = weights.get(name);
  if (!w)
    throw new OnnxExportError(
      `layer ${layer.name} (${layer.getClassName()}) has no weight '${name}' (has ${[...weights.keys()].join(', ')})`,
    );
  return w;
}

/**
 * Keras/tfjs LSTM (kernel [in, 4u] in gate order i, f, c, o) → ONNX LSTM (W [1, 4u, in] in
 * gate order i, o, f, c); GRU (z, r, h) keeps its order with linear_before_reset = 0, which
 * is tfjs's (reset-before) GRU.
 */
function recurrent(g: GraphBuilder, layer: Layer, x: string, kind: 'LSTM' | 'GRU'): string {
  const cfg = layer.getConfig() as Record<string, unknown>;
  if (cfg.goBackwards || cfg.stateful || cfg.returnState)
    throw new OnnxExportError(
      `layer ${layer.name}: goBackwards/stateful/returnState recurrent layers are not exported`,
    );
  const units = cfg.units as number;
  const w = weightsOf(layer);
  const kernel = need(w, 'kernel', layer);
  const recurrentKernel = need(w, 'recurrent_kernel', layer);
  const inputDim = kernel.shape[0];
  const gates = kind === 'LSTM' ? 4 : 3;
  // ONNX gate order as indices into the Keras order.
  const order = kind === 'LSTM' ? [0, 3, 1, 2] : [0, 1, 2];
  const reorder = (m: Float32Array, rows: number): Float32Array => {
    // m: [rows, gates·u] row-major → [gates·u, rows] with gate blocks in ONNX order.
    const t = transpose2d(m, rows, gates * units);
    const out = new Float32Array(t.length);
    order.forEach((src, dst) => out.set(t.subarray(src * units * rows, (src + 1) * units * rows), dst * units * rows));
    return out;
  };
  const W = g.floats(`${layer.name}_W`, [1, gates * units, inputDim], reorder(kernel.values, inputDim));
  const R = g.floats(`${layer.name}_R`, [1, gates * units, units], reorder(recurrentKernel.values, units));
  const biasValues = new Float32Array(2 * gates * units);
  const bias = w.get('bias');
  if (bias && cfg.useBias !== false)
    order.forEach((src, dst) => biasValues.set(bias.values.subarray(src * units, (src + 1) * units), dst * units));
  const B = g.floats(`${layer.name}_B`, [1, 2 * gates * units], biasValues);
  const f = gateActivation(cfg.recurrentActivation, layer);
  const gAct = gateActivation(cfg.activation, layer);
  const acts = kind === 'LSTM' ? [f, gAct, gAct] : [f, gAct];
  const attrs: Record<string, AttributeValue> = {
    hidden_size: units,
    direction: 'forward',
    activations: acts.map((a) => a.name),
  };
  if (acts.some((a) => a.alpha !== undefined)) {
    // activation_alpha/beta list one value per activation (defaults for those that take none).
    attrs.activation_alpha = attr.floats(acts.map((a) => a.alpha ?? 0));
    attrs.activation_beta = attr.floats(acts.map((a) => a.beta ?? 0));
  }
  if (kind === 'GRU') attrs.linear_before_reset = 0;
  // [batch, time, in] → [time, batch, in] (layout 0, the one every runtime supports).
  const xt = g.one('Transpose', [x], { perm: [1, 0, 2] });
  const [y, yh] = g.op(kind, [xt, W, R, B], attrs, 2, layer.name);
  if (cfg.returnSequences) {
    // Y [time, 1, batch, units] → [batch, time, units].
    const squeezed = g.one('Squeeze', [y, g.ints('axis1', [1])]);
    return g.one('Transpose', [squeezed], { perm: [1, 0, 2] });
  }
  // Y_h [1, batch, units] → [batch, units].
  return g.one('Squeeze', [yh, g.ints('axis0', [0])]);
}

/** MultiHeadSelfAttention (src/ml/layers) as ONNX ops, step for step. */
function attention(g: GraphBuilder, layer: Layer, x: string, time: number): string {
  const cfg = layer.getConfig() as Record<string, unknown>;
  const units = cfg.units as number;
  const heads = cfg.heads as number;
  const dk = units / heads;
  const w = weightsOf(layer);
  const qkvKernel = need(w, 'qkv_kernel', layer);
  const qkv = g.one('Add', [
    g.one('MatMul', [x, g.floats('qkv_kernel', qkvKernel.shape, qkvKernel.values)]),
    g.floats('qkv_bias', [3 * units], need(w, 'qkv_bias', layer).values),
  ]);
  const [q, k, v] = g
    .op('Split', [qkv, g.ints('split', [units, units, units])], { axis: -1 }, 3)
    .map((t) =>
      g.one('Transpose', [g.one('Reshape', [t, g.ints('heads_shape', [0, 0, heads, dk])])], { perm: [0, 2, 1, 3] }),
    );
  let scores = g.one('Mul', [
    g.one('MatMul', [q, g.one('Transpose', [k], { perm: [0, 1, 3, 2] })]),
    g.floats('scale', [], [1 / Math.sqrt(dk)]),
  ]);
  if (cfg.causal) {
    const mask = new Float32Array(time * time);
    for (let i = 0; i < time; i++) for (let j = 0; j < time; j++) mask[i * time + j] = j > i ? -1e9 : 0;
    scores = g.one('Add', [scores, g.floats('causal_mask', [time, time], mask)]);
  }
  const weights = g.one('Softmax', [scores], { axis: -1 });
  const context = g.one('Transpose', [g.one('MatMul', [weights, v])], { perm: [0, 2, 1, 3] });
  const merged = g.one('Reshape', [context, g.ints('merge_shape', [0, 0, units])]);
  const outKernel = need(w, 'output_kernel', layer);
  return g.one('Add', [
    g.one('MatMul', [merged, g.floats('output_kernel', outKernel.shape, outKernel.values)]),
    g.floats('output_bias', [outKernel.shape[1]], need(w, 'output_bias', layer).values),
  ]);
}

function isModel(layer: Layer): layer is tf.LayersModel & Layer {
  return (
    Array.isArray((layer as unknown as tf.LayersModel).outputs) &&
    Array.isArray((layer as unknown as tf.LayersModel).layers) &&
    Array.isArray((layer as unknown as tf.LayersModel).inputs)
  );
}

/** Walks the symbolic graph from the outputs, emitting each layer call once per scope. */
class Exporter {
  readonly g = new GraphBuilder();
  private scopes = 0;

  /** The ONNX name of `t` in `scope` (where `inputs` maps the scope's input tensors). */
  emit(t: Sym, scope: { id: number; inputs: Map<number, string>; memo: Map<string, string[]> }): string {
    const mapped = scope.inputs.get(t.id);
    if (mapped !== undefined) return mapped;
    const layer = t.sourceLayer;
    const key = `${layer.name}#${t.nodeIndex}`;
    let outs = scope.memo.get(key);
    if (!outs) {
      const node = layer.inboundNodes[t.nodeIndex];
      const ins = node.inputTensors.map((s) => this.emit(s, scope));
      outs = this.layer(layer, ins, node.inputTensors);
      scope.memo.set(key, outs);
    }
    const out = outs[t.tensorIndex];
    if (out === undefined) throw new OnnxExportError(`layer ${layer.name} has no output ${t.tensorIndex}`);
    return out;
  }

  private layer(layer: Layer, ins: string[], inSyms: Sym[]): string[] {
    const g = this.g;
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as Record<string, unknown>;
    const x = ins[0];
    if (isModel(layer)) {
      const inner = { id: ++this.scopes, inputs: new Map<number, string>(), memo: new Map<string, string[]>() };
      layer.inputs.forEach((s, i) => inner.inputs.set(s.id, ins[i]));
      return layer.outputs.map((o) => this.emit(o, inner));
    }
    switch (cls) {
      case 'InputLayer':
        throw new OnnxExportError(`input layer ${layer.name} is not connected to the graph input`);
      case 'Dropout':
      case 'SpatialDropout1D':
      case 'GaussianNoise':
      case 'GaussianDropout':
      case 'AlphaDropout':
        return [x];
      case 'Flatten':
        return [g.one('Flatten', [x], { axis: 1 })];
      case 'Reshape':
        return [g.one('Reshape', [x, g.ints('shape', [-1, ...(cfg.targetShape as number[])])])];
      case 'RepeatVector': {
        const n = cfg.n as number;
        const unsqueezed = g.one('Unsqueeze', [x, g.ints('axis1', [1])]);
        return [g.one('Expand', [unsqueezed, g.ints('repeat', [1, n, 1])])];
      }
      case 'Activation':
        return [activation(g, cfg.activation, x, layer)];
      case 'Add':
        return [ins.slice(1).reduce((acc, y) => g.one('Add', [acc, y]), x)];
      case 'Dense': {
        const w = weightsOf(layer);
        const kernel = need(w, 'kernel', layer);
        let y = g.one(
          'MatMul',
          [x, g.floats(`${layer.name}_kernel`, kernel.shape, kernel.values)],
          undefined,
          layer.name,
        );
        const bias = w.get('bias');
        if (bias && cfg.useBias !== false)
          y = g.one('Add', [y, g.floats(`${layer.name}_bias`, bias.shape, bias.values)]);
        return [activation(g, cfg.activation, y, layer)];
      }
      case 'LSTM':
      case 'GRU':
        return [recurrent(g, layer, x, cls)];
      case 'WorkbenchLayerNorm': {
        const w = weightsOf(layer);
        const gamma = need(w, 'gamma', layer);
        return [
          g.one(
            'LayerNormalization',
            [
              x,
              g.floats('gamma', gamma.shape, gamma.values),
              g.floats('beta', gamma.shape, need(w, 'beta', layer).values),
            ],
            { axis: -1, epsilon: attr.float(cfg.epsilon as number) },
          ),
        ];
      }
      case 'WorkbenchMultiHeadSelfAttention':
        return [attention(g, layer, x, this.timeOf(inSyms[0], layer))];
      case 'WorkbenchPositionalEncoding': {
        const time = this.timeOf(inSyms[0], layer);
        const d = inSyms[0].shape[inSyms[0].shape.length - 1] as number;
        const table =
          cfg.mode === 'learned'
            ? need(weightsOf(layer), 'position_table', layer).values
            : sinusoidalPositions(time, d);
        return [g.one('Add', [x, g.floats('positions', [time, d], table)])];
      }
      case 'WorkbenchSequencePooling': {
        if (cfg.mode === 'mean') return [g.one('ReduceMean', [x, g.ints('axis1', [1])], { keepdims: 0 })];
        return [g.one('Gather', [x, g.ints('last', [this.timeOf(inSyms[0], layer) - 1], [])], { axis: 1 })];
      }
      case 'WorkbenchReconstructionError': {
        const diff = g.one('Sub', [ins[0], ins[1]]);
        const flat = g.one('Flatten', [g.one('Mul', [diff, diff])], { axis: 1 });
        return [g.one('ReduceMean', [flat, g.ints('axis1', [1])], { keepdims: 1 })];
      }
      case 'WorkbenchAppendConstant': {
        const values = cfg.values as number[];
        // [batch, k] of the constants: broadcast a [1, k] row to (batch, k), then concatenate.
        const batch = g.one('Slice', [g.one('Shape', [x]), g.ints('start', [0]), g.ints('end', [1])]);
        const shape = g.one('Concat', [batch, g.ints('k', [values.length])], { axis: 0 });
        const tail = g.one('Expand', [g.floats('constants', [1, values.length], values), shape]);
        return [g.one('Concat', [x, tail], { axis: 1 })];
      }
      default:
        throw new OnnxExportError(`layer ${layer.name} of class ${cls} has no ONNX mapping`);
    }
  }

  private timeOf(s: Sym, layer: Layer): number {
    const t = s.shape[1];
    if (typeof t !== 'number') throw new OnnxExportError(`layer ${layer.name} needs a fixed sequence length`);
    return t;
  }
}

export interface OnnxExportOptions {
  /** Written into the model's metadata_props (model id, version, signature…). */
  metadata?: Record<string, string>;
  producerVersion?: string;
}

/**
 * Export a model taking [batch, window, features] windows to the bytes of a .onnx file;
 * `weights` from readLayerWeights(model).
 */
export function exportLayersModel(
  model: tf.LayersModel,
  weights: Map<number, Float32Array>,
  options: OnnxExportOptions = {},
): Uint8Array {
  exportWeights = weights;
  try {
    return exportGraph(model, options);
  } finally {
    exportWeights = null;
  }
}

function exportGraph(model: tf.LayersModel, options: OnnxExportOptions): Uint8Array {
  if (model.inputs.length !== 1 || model.outputs.length !== 1)
    throw new OnnxExportError(
      `only single-input, single-output models are exported (this one has ${model.inputs.length} inputs, ${model.outputs.length} outputs)`,
    );
  const inShape = model.inputs[0].shape;
  if (inShape.length !== 3 || typeof inShape[1] !== 'number' || typeof inShape[2] !== 'number')
    throw new OnnxExportError(`the model's input must be [batch, window, features], got [${inShape.join(', ')}]`);
  const exporter = new Exporter();
  const scope = { id: 0, inputs: new Map([[model.inputs[0].id, ONNX_INPUT]]), memo: new Map<string, string[]>() };
  const result = exporter.emit(model.outputs[0], scope);
  const g = exporter.g;
  g.nodes.push({ op: 'Identity', inputs: [result], outputs: [ONNX_OUTPUT], name: 'output_identity' });
  const outShape = model.outputs[0].shape.slice(1).map((d) => (typeof d === 'number' ? d : 'dim'));
  return encodeModel({
    graphName: model.name,
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: [{ name: ONNX_INPUT, shape: [ONNX_BATCH_DIM, inShape[1], inShape[2]] }],
    outputs: [{ name: ONNX_OUTPUT, shape: [ONNX_BATCH_DIM, ...outShape] }],
    opsets: { '': ONNX_OPSET },
    metadata: options.metadata,
    producer: { name: 'ml-workbench-service', version: options.producerVersion ?? '0' },
  });
}
