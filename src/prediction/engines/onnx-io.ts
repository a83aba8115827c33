/**
 * Which input and output of an ONNX session serve a version, and how a scaled window is fed:
 * the input takes [batch, window, features] or the flattened [batch, window × features] (a
 * tree ensemble or linear model trained on one row of features per sample is window 1); the
 * output gives [batch, units] or, for one unit, [batch]. Checked against the signature, with
 * messages that say what the file declares and what the signature expects.
 */
import type { SessionInfo, TensorInfo } from '../../ml/onnx';

export interface OnnxIo {
  input: string;
  output: string;
  /** Dimensions of one window as the input takes it ([W, F] or [W·F]). */
  windowDims: number[];
  /** 1 when the input's batch dimension is fixed at 1, else null. */
  maxBatch: number | null;
}

export class OnnxSignatureMismatch extends Error {
  override readonly name = 'OnnxSignatureMismatch';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

const fmt = (shape: TensorInfo['shape']) =>
  shape ? `[${shape.map((d) => (typeof d === 'string' ? d || '?' : String(d))).join(', ')}]` : 'of unknown shape';
const isFloat = (t: TensorInfo) => t.type === 'float32' || t.type === 'float';
const fixed = (d: number | string | null | undefined): d is number => typeof d === 'number' && d > 0;

export function resolveOnnxIo(
  info: SessionInfo,
  expected: { window: number; features: number; units: number; input?: string | null; output?: string | null },
): OnnxIo {
  const { window: W, features: F, units } = expected;
  const inputs = expected.input ? info.inputs.filter((i) => i.name === expected.input) : info.inputs;
  if (expected.input && inputs.length === 0)
    throw new OnnxSignatureMismatch(
      `the signature names input '${expected.input}', but the model's inputs are ${info.inputs.map((i) => `'${i.name}'`).join(', ')}`,
      'signature.onnx.input',
    );
  if (inputs.length !== 1)
    throw new OnnxSignatureMismatch(
      `the model has ${inputs.length} inputs (${inputs.map((i) => `'${i.name}'`).join(', ')}); one float input of the feature window is served — name it in signature.onnx.input`,
      'signature.onnx.input',
    );
  const input = inputs[0];
  if (!isFloat(input))
    throw new OnnxSignatureMismatch(
      `input '${input.name}' is ${input.type ?? 'not a tensor'}; a float32 tensor of scaled features is expected`,
      'model',
    );
  const shape = input.shape;
  if (!shape || (shape.length !== 2 && shape.length !== 3)) {
    throw new OnnxSignatureMismatch(
      `input '${input.name}' is ${fmt(shape)}; expected [batch, ${W}, ${F}] (window × features) or [batch, ${W * F}]`,
      'model',
    );
  }
  const batch = shape[0];
  if (fixed(batch) && batch !== 1)
    throw new OnnxSignatureMismatch(
      `input '${input.name}' has a fixed batch of ${batch}; export it with a dynamic batch dimension (or 1)`,
      'model',
    );
  let windowDims: number[];
  if (shape.length === 3) {
    const [, w, f] = shape;
    if ((fixed(w) && w !== W) || (fixed(f) && f !== F))
      throw new OnnxSignatureMismatch(
        `input '${input.name}' is ${fmt(shape)}, but the signature describes windows of ${W} × ${F} features: [batch, ${W}, ${F}]`,
        'signature.window',
      );
    windowDims = [W, F];
  } else {
    const d = shape[1];
    if (fixed(d) && d !== W * F)
      throw new OnnxSignatureMismatch(
        `input '${input.name}' is ${fmt(shape)}, but the signature describes ${W} × ${F} = ${W * F} values per sample${F === d ? ' (set window to 1 for one row of features per sample)' : ''}`,
        'signature.features',
      );
    windowDims = [W * F];
  }
  const outputs = expected.output
    ? info.outputs.filter((o) => o.name === expected.output)
    : info.outputs.filter(isFloat);
  if (expected.output && outputs.length === 0)
    throw new OnnxSignatureMismatch(
      `the signature names output '${expected.output}', but the model's outputs are ${info.outputs.map((o) => `'${o.name}'`).join(', ')}`,
      'signature.onnx.output',
    );
  if (outputs.length !== 1) {
    throw new OnnxSignatureMismatch(
      `the model has ${outputs.length} float outputs (${info.outputs.map((o) => `'${o.name}' ${o.type ?? 'non-tensor'}`).join(', ')}); name the one to serve in signature.onnx.output`,
      'signature.onnx.output',
    );
  }
  const output = outputs[0];
  if (!isFloat(output) || !output.shape)
    throw new OnnxSignatureMismatch(
      `output '${output.name}' is ${output.type ?? 'not a tensor'}${output.type ? '' : ' (a sequence or map, e.g. a ZipMap)'}; a float32 tensor [batch, ${units}] is expected (convert classifiers with zipmap=False)`,
      'model',
    );
  const o = output.shape;
  const ok = (o.length === 2 && (!fixed(o[1]) || o[1] === units)) || (o.length === 1 && units === 1);
  if (!ok)
    throw new OnnxSignatureMismatch(
      `output '${output.name}' is ${fmt(o)}, but the signature expects ${units} value${units > 1 ? 's' : ''} per sample ([batch, ${units}])`,
      'signature',
    );
  return { input: input.name, output: output.name, windowDims, maxBatch: fixed(batch) ? 1 : null };
}
