/**
 * The protobuf wire format, only as much as ONNX files need: a writer for the messages the
 * exporter builds and a reader that splits a message into its fields (for the importer's
 * checks). Written here rather than taken from a protobuf library because ONNX uses a small,
 * fixed subset (varints, length-delimited fields, fixed32 floats) and the importer must bound
 * what it reads from an untrusted file.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

export class ProtobufError extends Error {
  override readonly name = 'ProtobufError';
}

/** Appends fields to a growing buffer; nested messages are written by a child writer. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    this.ensure(10);
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    this.ensure(4);
    new DataView(this.buf.buffer).setFloat32(this.len, value, true);
    this.len += 4;
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, WIRE_BYTES);
    this.varint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, write: (w: ProtoWriter) => void): this {
    const child = new ProtoWriter();
    write(child);
    return this.bytes(field, child.finish());
  }

  /** A packed repeated int64 field. */
  packedInts(field: number, values: ArrayLike<number>): this {
    const child = new ProtoWriter();
    for (let i = 0; i < values.length; i++) child.varint(values[i]);
    return this.bytes(field, child.finish());
  }

  /** A packed repeated float field. */
  packedFloats(field: number, values: ArrayLike<number>): this {
    const data = new Uint8Array(values.length * 4);
    const view = new DataView(data.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
    return this.bytes(field, data);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** One field as read: varints as bigint, length-delimited fields as a view into the input. */
export type ProtoValue =
  | { wire: 0; value: bigint }
  | { wire: 1; value: Uint8Array }
  | { wire: 2; value: Uint8Array }
  | { wire: 5; value: Uint8Array };

/** A decoded message: every occurrence of every field, in order. */
export class ProtoMessage {
  constructor(readonly fields: Map<number, ProtoValue[]>) {}

  static decode(data: Uint8Array): ProtoMessage {
    const fields = new Map<number, ProtoValue[]>();
    let pos = 0;
    const varint = (): bigint => {
      let result = 0n;
      let shift = 0n;
      for (let i = 0; i < 10; i++) {
        if (pos >= data.length) throw new ProtobufError('truncated varint');
        const b = data[pos++];
        result |= BigInt(b & 0x7f) << shift;
        if ((b & 0x80) === 0) return result;
        shift += 7n;
      }
      throw new ProtobufError('varint longer than 10 bytes');
    };
    const take = (n: number): Uint8Array => {
      if (n < 0 || pos + n > data.length) throw new ProtobufError('field runs past the end of the message');
      const out = data.subarray(pos, pos + n);
      pos += n;
      return out;
    };
    while (pos < data.length) {
      const key = varint();
      const field = Number(key >> 3n);
      const wire = Number(key & 7n);
      if (field === 0) throw new ProtobufError('field number 0');
      let value: ProtoValue;
      switch (wire) {
        case WIRE_VARINT:
          value = { wire, value: varint() };
          break;
        case WIRE_FIXED64:
          value = { wire, value: take(8) };
          break;
        case WIRE_BYTES: {
          const n = varint();
          if (n > BigInt(data.length)) throw new ProtobufError('length-delimited field longer than the message');
          value = { wire, value: take(Number(n)) };
          break;
        }
        case WIRE_FIXED32:
          value = { wire, value: take(4) };
          break;
        default:
          throw new ProtobufError(`unsupported wire type ${wire} (field ${field})`);
      }
      let list = fields.get(field);
      if (!list) fields.set(field, (list = []));
      list.push(value);
    }
    return new ProtoMessage(fields);
  }

  has(field: number): boolean {
    return this.fields.has(field);
  }

  private all(field: number): ProtoValue[] {
    return this.fields.get(field) ?? [];
  }

  /** The last occurrence of a scalar varint field (protobuf's rule), as a number. */
  int(field: number, fallback = 0): number {
    const list = this.all(field).filter((v) => v.wire === WIRE_VARINT);
    return list.length ? Number(BigInt.asIntN(64, list[list.length - 1].value)) : fallback;
  }

  /** A repeated int64 field, packed or not. */
  ints(field: number): number[] {
    const out: number[] = [];
    for (const v of this.all(field)) {
      if (v.wire === WIRE_VARINT) out.push(Number(BigInt.asIntN(64, v.value)));
      else if (v.wire === WIRE_BYTES) {
        const inner = ProtoMessage.packedVarints(v.value);
        for (const x of inner) out.push(Number(BigInt.asIntN(64, x)));
      }
    }
    return out;
  }

  float(field: number, fallback = 0): number {
    const list = this.all(field).filter((v) => v.wire === WIRE_FIXED32);
    if (!list.length) return fallback;
    const b = list[list.length - 1].value;
    return new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true);
  }

  /** A repeated float field, packed or not. */
  floats(field: number): number[] {
    const out: number[] = [];
    for (const v of this.all(field)) {
      const b = v.value as Uint8Array;
      if (v.wire === WIRE_FIXED32) out.push(new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true));
      else if (v.wire === WIRE_BYTES) {
        if (b.length % 4 !== 0) throw new ProtobufError(`packed floats of ${b.length} bytes`);
        const view = new DataView(b.buffer, b.byteOffset, b.length);
        for (let i = 0; i < b.length; i += 4) out.push(view.getFloat32(i, true));
      }
    }
    return out;
  }

  bytes(field: number): Uint8Array | undefined {
    const list = this.all(field).filter((v) => v.wire === WIRE_BYTES);
    return list.length ? list[list.length - 1].value : undefined;
  }

  string(field: number, fallback = ''): string {
    const b = this.bytes(field);
    return b ? new TextDecoder().decode(b) : fallback;
  }

  strings(field: number): string[] {
    return this.all(field)
      .filter((v) => v.wire === WIRE_BYTES)
      .map((v) => new TextDecoder().decode(v.value));
  }

  message(field: number): ProtoMessage | undefined {
    const b = this.bytes(field);
    return b ? ProtoMessage.decode(b) : undefined;
  }

  messages(field: number): ProtoMessage[] {
    return this.all(field)
      .filter((v) => v.wire === WIRE_BYTES)
      .map((v) => ProtoMessage.decode(v.value));
  }

  private static packedVarints(data: Uint8Array): bigint[] {
    const out: bigint[] = [];
    let pos = 0;
    while (pos < data.length) {
      let result = 0n;
      let shift = 0n;
      let done = false;
      for (let i = 0; i < 10 && pos < data.length; i++) {
        const b = data[pos++];
        result |= BigInt(b & 0x7f) << shift;
        shift += 7n;
        if ((b & 0x80) === 0) {
          done = true;
          break;
        }
      }
      if (!done) throw new ProtobufError('truncated packed varint');
      out.push(result);
    }
    return out;
  }
}
