import { DT_FLOAT, encodeModel } from './onnx-model';
import { inspectOnnx, OnnxInspectionError } from './inspect';
import { ProtoWriter } from './protobuf';

const linear = (opsets: Record<string, number> = { '': 13 }, op = 'MatMul', domain?: string) =>
  encodeModel({
    graphName: 'g',
    nodes: [{ op, domain, inputs: ['x', 'w'], outputs: ['y'] }],
    initializers: [{ name: 'w', dims: [2, 1], type: DT_FLOAT, values: [1, 2] }],
    inputs: [{ name: 'x', shape: ['N', 2] }],
    outputs: [{ name: 'y', shape: ['N', 1] }],
    opsets,
    metadata: { author: 'test' },
  });

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as OnnxInspectionError).code;
  }
  return 'no error';
};

describe('inspectOnnx: what an uploaded file declares, checked before ONNX Runtime sees it', () => {
  it('reads IR version, opsets, operators, inputs (initializers excluded), outputs and metadata', () => {
    expect(inspectOnnx(linear())).toEqual({
      irVersion: 8,
      opsets: { '': 13 },
      producer: { name: 'ml-workbench-service', version: '0' },
      graphName: 'g',
      inputs: [{ name: 'x', elemType: 1, kind: 'tensor', shape: ['N', 2] }],
      outputs: [{ name: 'y', elemType: 1, kind: 'tensor', shape: ['N', 1] }],
      operators: { ':MatMul': 1 },
      initializers: 1,
      metadata: { author: 'test' },
    });
  });

  it('refuses what is not ONNX, unsupported opsets and domains', () => {
    expect(code(() => inspectOnnx(new TextEncoder().encode('{"not": "onnx"}')))).toBe('NOT_ONNX');
    expect(code(() => inspectOnnx(new Uint8Array([0x08, 0x08])))).toBe('NOT_ONNX'); // an IR version and nothing else
    expect(code(() => inspectOnnx(linear({ '': 6 })))).toBe('UNSUPPORTED_OPSET');
    expect(code(() => inspectOnnx(linear({ '': 13, 'com.microsoft': 1 })))).toBe('UNSUPPORTED_OPSET');
    expect(code(() => inspectOnnx(linear({ '': 13 }, 'Foo', 'ai.onnx.ml')))).toBe('UNSUPPORTED_OPERATOR'); // domain not imported
  });

  it('refuses tensors kept in external files, in initializers and in Constant attributes', () => {
    const withExternal = (where: 'initializer' | 'attribute') => {
      const w = new ProtoWriter();
      w.int(1, 8);
      w.message(7, (g) => {
        const tensor = (t: ProtoWriter) =>
          t
            .packedInts(1, [1])
            .int(2, DT_FLOAT)
            .string(8, 'c')
            .message(13, (e) => e.string(1, 'location').string(2, '/etc/shadow'))
            .int(14, 1);
        if (where === 'initializer') g.message(5, tensor);
        else
          g.message(1, (n) =>
            n
              .string(2, 'c')
              .string(4, 'Constant')
              .message(5, (a) => a.string(1, 'value').message(5, tensor).int(20, 4)),
          );
        g.string(2, 'g');
      });
      w.message(8, (o) => o.string(1, '').int(2, 13));
      return w.finish();
    };
    for (const where of ['initializer', 'attribute'] as const) {
      expect(() => inspectOnnx(withExternal(where))).toThrow(/external file \('\/etc\/shadow'\)/);
      expect(code(() => inspectOnnx(withExternal(where)))).toBe('EXTERNAL_DATA');
    }
  });
});
