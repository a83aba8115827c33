/**
 * ONNX models as plain objects, and their encoding as an onnx.proto ModelProto (field
 * numbers from onnx/onnx.proto, IR version 8). Only what the exporter writes: float and int64
 * tensors, nodes with int/float/string/ints/floats attributes, one opset per domain.
 */
import { ProtoWriter } from './protobuf';

export const ONNX_OPSET = 18;
export const ONNX_IR_VERSION = 8;

/** onnx.TensorProto.DataType values used here. */
export const DT_FLOAT = 1;
export const DT_INT64 = 7;

/** A plain number is an INT attribute (ONNX tells INT from FLOAT; use attr.float for floats). */
export type AttributeValue =
  number | string | number[] | string[] | { float: number } | { floats: number[] } | { int: number };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attrs?: Record<string, AttributeValue>;
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  type: typeof DT_FLOAT | typeof DT_INT64;
  values: Float32Array | number[];
}

export interface OnnxValueInfo {
  name: string;
  /** A dimension is a number, or a string for a symbolic one (the batch). */
  shape: Array<number | string>;
  type?: number;
}

export interface OnnxModelSpec {
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  graphName: string;
  opsets?: Record<string, number>;
  metadata?: Record<string, string>;
  producer?: { name: string; version: string };
}

/** Attribute helpers: ONNX distinguishes INT from FLOAT, JavaScript numbers do not. */
export const attr = {
  float: (v: number) => ({ float: v }),
  floats: (v: number[]) => ({ floats: v }),
  int: (v: number) => ({ int: v }),
};

const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_FLOATS = 6;
const ATTR_INTS = 7;
const ATTR_STRINGS = 8;

function writeAttribute(w: ProtoWriter, name: string, value: AttributeValue): void {
  w.string(1, name);
  if (typeof value === 'string') {
    w.bytes(4, new TextEncoder().encode(value)).int(20, ATTR_STRING);
  } else if (typeof value === 'number') {
    if (!Number.isInteger(value))
      throw new Error(`attribute ${name}: ${value} is not an integer; wrap floats with attr.float`);
    w.int(3, value).int(20, ATTR_INT);
  } else if (Array.isArray(value)) {
    if (value.every((v): v is string => typeof v === 'string')) {
      for (const s of value) w.bytes(9, new TextEncoder().encode(s));
      w.int(20, ATTR_STRINGS);
    } else {
      const ints = value;
      for (const v of ints)
        if (!Number.isInteger(v)) throw new Error(`attribute ${name}: ${v} is not an integer; use attr.floats`);
      w.packedInts(8, ints).int(20, ATTR_INTS);
    }
  } else if ('float' in value) {
    w.float(2, value.float).int(20, ATTR_FLOAT);
  } else if ('floats' in value) {
    w.packedFloats(7, value.floats).int(20, ATTR_FLOATS);
  } else {
    w.int(3, value.int).int(20, ATTR_INT);
  }
}

function writeTensor(w: ProtoWriter, t: OnnxTensor): void {
  w.packedInts(1, t.dims).int(2, t.type).string(8, t.name);
  const count = t.dims.reduce((a, b) => a * b, 1);
  if (t.values.length !== count)
    throw new Error(`tensor ${t.name}: ${t.values.length} values for dims [${t.dims.join(', ')}]`);
  if (t.type === DT_FLOAT) {
    const f = t.values instanceof Float32Array ? t.values : Float32Array.from(t.values);
    // raw_data is little-endian, as ONNX requires; copy so a view into a larger buffer is not written whole.
    w.bytes(9, new Uint8Array(f.buffer.slice(f.byteOffset, f.byteOffset + f.byteLength)));
  } else {
    const raw = new Uint8Array(count * 8);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < count; i++) view.setBigInt64(i * 8, BigInt(t.values[i]), true);
    w.bytes(9, raw);
  }
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.type ?? DT_FLOAT);
      tensor.message(2, (shape) => {
        for (const d of v.shape) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

/** Serialise a model to the bytes of a .onnx file. */
export function encodeModel(spec: OnnxModelSpec): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, ONNX_IR_VERSION);
  w.string(2, spec.producer?.name ?? 'ml-workbench-service');
  w.string(3, spec.producer?.version ?? '0');
  w.message(7, (g) => {
    spec.nodes.forEach((n, i) => {
      g.message(1, (node) => {
        for (const x of n.inputs) node.string(1, x);
        for (const y of n.outputs) node.string(2, y);
        node.string(3, n.name ?? `${n.op}_${i}`);
        node.string(4, n.op);
        if (n.domain) node.string(7, n.domain);
        for (const [name, value] of Object.entries(n.attrs ?? {}))
          node.message(5, (a) => writeAttribute(a, name, value));
      });
    });
    g.string(2, spec.graphName);
    for (const t of spec.initializers) g.message(5, (tw) => writeTensor(tw, t));
    for (const v of spec.inputs) g.message(11, (vw) => writeValueInfo(vw, v));
    for (const v of spec.outputs) g.message(12, (vw) => writeValueInfo(vw, v));
  });
  const opsets = spec.opsets ?? { '': ONNX_OPSET };
  for (const [domain, version] of Object.entries(opsets)) w.message(8, (o) => o.string(1, domain).int(2, version));
  for (const [key, value] of Object.entries(spec.metadata ?? {}))
    w.message(14, (m) => m.string(1, key).string(2, value));
  return w.finish();
}
