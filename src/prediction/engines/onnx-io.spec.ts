import { resolveOnnxIo, OnnxSignatureMismatch } from './onnx-io';

const t = (name: string, shape: Array<number | string> | null, type: string | null = 'float32') => ({
  name,
  type,
  shape,
});

describe('resolveOnnxIo: which input/output serve, and how a window is fed', () => {
  const sig = { window: 10, features: 4, units: 1 };

  it('takes [batch, W, F] or the flattened [batch, W·F]; one output [batch, units] or [batch]', () => {
    expect(
      resolveOnnxIo({ inputs: [t('window', ['batch', 10, 4])], outputs: [t('output', ['batch', 1])] }, sig),
    ).toEqual({ input: 'window', output: 'output', windowDims: [10, 4], maxBatch: null });
    expect(resolveOnnxIo({ inputs: [t('x', ['N', 40])], outputs: [t('y', ['N'])] }, sig)).toEqual({
      input: 'x',
      output: 'y',
      windowDims: [40],
      maxBatch: null,
    });
    expect(resolveOnnxIo({ inputs: [t('x', [1, 40])], outputs: [t('y', [1, 1])] }, sig).maxBatch).toBe(1);
  });

  it('skl2onnx classifiers: the float probabilities output is chosen over the int64 label', () => {
    const io = resolveOnnxIo(
      { inputs: [t('x', ['N', 4])], outputs: [t('label', ['N'], 'int64'), t('probabilities', ['N', 3])] },
      { window: 1, features: 4, units: 3 },
    );
    expect(io.output).toBe('probabilities');
  });

  it.each([
    [{ inputs: [t('x', ['N', 41])], outputs: [t('y', ['N', 1])] }, /10 × 4 = 40 values/],
    [{ inputs: [t('x', ['N', 10, 5])], outputs: [t('y', ['N', 1])] }, /windows of 10 × 4 features/],
    [{ inputs: [t('x', [8, 40])], outputs: [t('y', ['N', 1])] }, /fixed batch of 8/],
    [{ inputs: [t('x', ['N', 40], 'int64')], outputs: [t('y', ['N', 1])] }, /is int64/],
    [{ inputs: [t('x', ['N', 40])], outputs: [t('y', ['N', 3])] }, /expects 1 value per sample/],
    [{ inputs: [t('x', ['N', 40])], outputs: [t('a', ['N', 1]), t('b', ['N', 1])] }, /2 float outputs/],
    [{ inputs: [t('x', ['N', 40])], outputs: [t('zipmap', null, null)] }, /no float output|0 float outputs/],
  ])('refuses a mismatch with a message naming both sides (%#)', (info, message) => {
    expect(() => resolveOnnxIo(info, sig)).toThrow(OnnxSignatureMismatch);
    expect(() => resolveOnnxIo(info, sig)).toThrow(message);
  });
});
