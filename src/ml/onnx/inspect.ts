/**
 * What an ONNX file (from outside: never trusted) declares — IR version, opsets, operators,
 * graph inputs and outputs — read straight from its protobuf, with the checks that must pass
 * before ONNX Runtime is even given the bytes:
 *  - it parses as a ModelProto with a graph;
 *  - its IR version and every opset are ones this service serves;
 *  - every node's domain is imported (recursively through If/Loop/Scan subgraphs), and no
 *    model-local functions;
 *  - no tensor stores its data outside the file (data_location EXTERNAL / external_data):
 *    a path inside an uploaded file is never read.
 * Whether each operator has a kernel is ONNX Runtime's to say when the session is created.
 */
import { ProtobufError, ProtoMessage } from './protobuf';

/** Opset ranges served (ONNX Runtime 1.30 implements these). */
export const SUPPORTED_OPSETS: Record<string, { min: number; max: number }> = {
  '': { min: 7, max: 22 },
  'ai.onnx.ml': { min: 1, max: 5 },
};
export const MAX_IR_VERSION = 11;

export type OnnxProblemCode =
  | 'NOT_ONNX'
  | 'UNSUPPORTED_IR_VERSION'
  | 'UNSUPPORTED_OPSET'
  | 'UNSUPPORTED_OPERATOR'
  | 'EXTERNAL_DATA'
  | 'UNSUPPORTED_SIGNATURE';

export class OnnxInspectionError extends Error {
  override readonly name = 'OnnxInspectionError';
  constructor(
    readonly code: OnnxProblemCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface OnnxValue {
  name: string;
  /** onnx.TensorProto.DataType (1 = float, 7 = int64…); null for sequences/maps. */
  elemType: number | null;
  kind: 'tensor' | 'sequence' | 'map' | 'other';
  /** Dimensions: numbers, strings for symbolic ones, null for a dimension with neither; null rank when unknown. */
  shape: Array<number | string | null> | null;
}

export interface OnnxInspection {
  irVersion: number;
  opsets: Record<string, number>;
  producer: { name: string; version: string };
  graphName: string;
  /** Graph inputs that are not initializers (what a caller feeds). */
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  /** Operators used, as `domain:op` (domain '' for the default), with their counts. */
  operators: Record<string, number>;
  initializers: number;
  metadata: Record<string, string>;
}

export const ELEM_TYPE_NAMES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
};

function value(m: ProtoMessage): OnnxValue {
  const name = m.string(1);
  const type = m.message(2);
  if (!type) return { name, elemType: null, kind: 'other', shape: null };
  const tensor = type.message(1);
  if (tensor) {
    const shape = tensor.message(2);
    return {
      name,
      elemType: tensor.int(1),
      kind: 'tensor',
      shape: shape ? shape.messages(1).map((d) => (d.has(1) ? d.int(1) : d.has(2) ? d.string(2) : null)) : null,
    };
  }
  return { name, elemType: null, kind: type.has(4) ? 'sequence' : type.has(5) ? 'map' : 'other', shape: null };
}

function checkTensor(t: ProtoMessage, where: string): void {
  if (t.int(14) === 1 || t.has(13)) {
    const location = t
      .messages(13)
      .find((e) => e.string(1) === 'location')
      ?.string(2);
    throw new OnnxInspectionError(
      'EXTERNAL_DATA',
      `tensor '${t.string(8)}' (${where}) keeps its data in an external file${location ? ` ('${location.slice(0, 100)}')` : ''}; only self-contained ONNX files are accepted: save the model with all tensors inside the file`,
      { tensor: t.string(8) },
    );
  }
}

/** Walk a graph (and its subgraphs): domains, operators, external data. */
function walk(
  graph: ProtoMessage,
  opsets: Record<string, number>,
  operators: Record<string, number>,
  depth: number,
): void {
  if (depth > 8) throw new OnnxInspectionError('NOT_ONNX', 'subgraphs nested more than 8 deep');
  for (const t of graph.messages(5)) checkTensor(t, 'initializer');
  for (const sparse of graph.messages(15)) {
    const values = sparse.message(1);
    if (values) checkTensor(values, 'sparse initializer');
  }
  for (const node of graph.messages(1)) {
    const op = node.string(4);
    const domain = node.string(7) === 'ai.onnx' ? '' : node.string(7);
    if (!(domain in opsets)) {
      throw new OnnxInspectionError(
        'UNSUPPORTED_OPERATOR',
        `operator ${domain ? `${domain}.` : ''}${op} (node '${node.string(3)}') is in domain '${domain}', which the model does not import or this service does not serve (served: ai.onnx, ai.onnx.ml)`,
        { operator: op, domain },
      );
    }
    const key = `${domain}:${op}`;
    operators[key] = (operators[key] ?? 0) + 1;
    for (const a of node.messages(5)) {
      const t = a.message(5);
      if (t) checkTensor(t, `attribute ${a.string(1)} of ${op}`);
      for (const tt of a.messages(10)) checkTensor(tt, `attribute ${a.string(1)} of ${op}`);
      const g = a.message(6);
      if (g) walk(g, opsets, operators, depth + 1);
      for (const gg of a.messages(11)) walk(gg, opsets, operators, depth + 1);
    }
  }
}

export function inspectOnnx(bytes: Uint8Array): OnnxInspection {
  let model: ProtoMessage;
  let graph: ProtoMessage | undefined;
  try {
    model = ProtoMessage.decode(bytes);
    graph = model.message(7);
  } catch (e) {
    const reason = e instanceof ProtobufError ? e.message : String(e);
    throw new OnnxInspectionError(
      'NOT_ONNX',
      `the file is not an ONNX model (it does not parse as an ONNX ModelProto: ${reason})`,
    );
  }
  if (!model.has(1) || !graph || !model.has(8)) {
    throw new OnnxInspectionError('NOT_ONNX', 'the file is not an ONNX model (no IR version, graph or opset import)');
  }
  const irVersion = model.int(1);
  if (irVersion < 3 || irVersion > MAX_IR_VERSION) {
    throw new OnnxInspectionError(
      'UNSUPPORTED_IR_VERSION',
      `ONNX IR version ${irVersion} is not supported (3 to ${MAX_IR_VERSION}); re-export with a current converter`,
      { ir_version: irVersion },
    );
  }
  const opsets: Record<string, number> = {};
  for (const o of model.messages(8)) {
    const domain = o.string(1) === 'ai.onnx' ? '' : o.string(1);
    const version = o.int(2);
    const range = SUPPORTED_OPSETS[domain];
    if (!range)
      throw new OnnxInspectionError(
        'UNSUPPORTED_OPSET',
        `the model imports operator set '${domain}' (version ${version}), which this service does not serve; only ai.onnx (opset ${SUPPORTED_OPSETS[''].min}–${SUPPORTED_OPSETS[''].max}) and ai.onnx.ml (${SUPPORTED_OPSETS['ai.onnx.ml'].min}–${SUPPORTED_OPSETS['ai.onnx.ml'].max}) are`,
        { domain, version },
      );
    if (version < range.min || version > range.max) {
      throw new OnnxInspectionError(
        'UNSUPPORTED_OPSET',
        `${domain || 'ai.onnx'} opset ${version} is not supported (${range.min}–${range.max}); export with a supported opset (e.g. target_opset=${Math.min(range.max, domain ? 3 : 18)})`,
        { domain: domain || 'ai.onnx', version, supported: range },
      );
    }
    opsets[domain] = version;
  }
  if (model.has(25))
    throw new OnnxInspectionError(
      'UNSUPPORTED_OPERATOR',
      'the model defines local functions (FunctionProto), which are not served; export it with functions inlined',
    );
  const operators: Record<string, number> = {};
  walk(graph, opsets, operators, 0);
  const initializerNames = new Set(graph.messages(5).map((t) => t.string(8)));
  const metadata: Record<string, string> = {};
  for (const m of model.messages(14)) metadata[m.string(1)] = m.string(2);
  return {
    irVersion,
    opsets,
    producer: { name: model.string(2), version: model.string(3) },
    graphName: graph.string(2),
    inputs: graph
      .messages(11)
      .map(value)
      .filter((v) => !initializerNames.has(v.name)),
    outputs: graph.messages(12).map(value),
    operators,
    initializers: initializerNames.size,
    metadata,
  };
}
