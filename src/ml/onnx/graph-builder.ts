/**
 * The pieces export-layers.ts builds an ONNX graph with: a builder that names nodes and
 * constants uniquely, the activation mappings (tfjs name → ONNX op) and a transpose for
 * weight matrices. Kept apart so the exporter itself holds only the layer mappings.
 */
import type * as tf from '@tensorflow/tfjs';
import { attr, DT_FLOAT, DT_INT64, type AttributeValue, type OnnxNode, type OnnxTensor } from './onnx-model';

type Layer = tf.layers.Layer;

export class OnnxExportError extends Error {
  override readonly name = 'OnnxExportError';
}

/** Emits nodes and constants with unique names. */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private counter = 0;

  fresh(hint: string): string {
    return `${hint.replace(/[^A-Za-z0-9_]/g, '_')}_${this.counter++}`;
  }

  op(op: string, inputs: string[], attrs?: Record<string, AttributeValue>, outputs = 1, hint = op): string[] {
    const names = Array.from({ length: outputs }, (_, i) => this.fresh(`${hint}${outputs > 1 ? `_out${i}` : ''}`));
    this.nodes.push({ op, inputs, outputs: names, attrs, name: this.fresh(`${hint}_node`) });
    return names;
  }

  one(op: string, inputs: string[], attrs?: Record<string, AttributeValue>, hint = op): string {
    return this.op(op, inputs, attrs, 1, hint)[0];
  }

  floats(hint: string, dims: number[], values: Float32Array | number[]): string {
    const name = this.fresh(hint);
    this.initializers.push({
      name,
      dims,
      type: DT_FLOAT,
      values: values instanceof Float32Array ? values : Float32Array.from(values),
    });
    return name;
  }

  ints(hint: string, values: number[], dims: number[] = [values.length]): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, dims, type: DT_INT64, values });
    return name;
  }
}

/** Rows of a [rows, cols] row-major matrix, transposed to [cols, rows]. */
export function transpose2d(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}

const ACTIVATIONS: Record<string, (g: GraphBuilder, x: string) => string> = {
  linear: (_g, x) => x,
  relu: (g, x) => g.one('Relu', [x]),
  sigmoid: (g, x) => g.one('Sigmoid', [x]),
  tanh: (g, x) => g.one('Tanh', [x]),
  softmax: (g, x) => g.one('Softmax', [x], { axis: -1 }),
  elu: (g, x) => g.one('Elu', [x], { alpha: attr.float(1) }),
  selu: (g, x) => g.one('Selu', [x]),
  softplus: (g, x) => g.one('Softplus', [x]),
  hardSigmoid: (g, x) => g.one('HardSigmoid', [x], { alpha: attr.float(0.2), beta: attr.float(0.5) }),
};

export function activation(g: GraphBuilder, name: unknown, x: string, layer: Layer): string {
  // tfjs keeps an activation's name as a string in the layer config; anything else has no mapping.
  const fn =
    name === undefined || name === null ? ACTIVATIONS.linear : typeof name === 'string' ? ACTIVATIONS[name] : undefined;
  if (!fn) throw new OnnxExportError(`layer ${layer.name}: activation '${String(name)}' has no ONNX mapping`);
  return fn(g, x);
}

/** ONNX names of the recurrent gate activations: sigmoid or tfjs's hardSigmoid (0.2x + 0.5, clipped). */
export function gateActivation(name: unknown, layer: Layer): { name: string; alpha?: number; beta?: number } {
  if (name === 'sigmoid') return { name: 'Sigmoid' };
  if (name === 'hardSigmoid') return { name: 'HardSigmoid', alpha: 0.2, beta: 0.5 };
  if (name === 'tanh') return { name: 'Tanh' };
  throw new OnnxExportError(`layer ${layer.name}: recurrent activation '${String(name)}' has no ONNX mapping`);
}
