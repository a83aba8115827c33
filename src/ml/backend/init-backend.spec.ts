import * as tf from '@tensorflow/tfjs';
import { InvalidTfBackendError, TfBackendUnavailableError, getTf, initTfBackend } from './index';

const notInstalled = (name: string): never => {
  throw new Error(`Cannot find module '${name}'`);
};
/** A machine without GPU device nodes: `auto` skips webgpu without loading Dawn. */
const noGpu = (): string[] => [];

describe('initTfBackend', () => {
  afterAll(async () => {
    await initTfBackend('cpu');
  });

  it('starts cpu when asked and reports it', async () => {
    const d = await initTfBackend('cpu');
    expect(d).toMatchObject({ name: 'cpu', tfjsBackend: 'cpu', version: tf.version.tfjs });
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.add(1, 2).arraySync()).toBe(3);
  });

  it('starts wasm when asked: SIMD detected, one thread in Node, BatchMatMul patched', async () => {
    const d = await initTfBackend('wasm');
    expect(d).toMatchObject({ name: 'wasm', tfjsBackend: 'wasm', threads: 1, matMulPatched: true });
    expect(typeof d.simd).toBe('boolean');
    expect(d.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(tf.getBackend()).toBe('wasm');
    expect(Array.from(await tf.matMul([[1, 2]], [[3], [4]]).data())).toEqual([11]);
  });

  it('can start wasm with the stock kernel (for benchmarks)', async () => {
    const d = await initTfBackend('wasm', { patchWasmMatMul: false });
    expect(d.matMulPatched).toBe(false);
    const again = await initTfBackend('wasm');
    expect(again.matMulPatched).toBe(true);
  });

  it.each(['tensorflow', 'tensorflow-gpu'])(
    'explicit %s throws a clear error here instead of falling back',
    async (name) => {
      const before = tf.getBackend();
      const err = await initTfBackend(name).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TfBackendUnavailableError);
      expect((err as Error).message).toMatch(
        new RegExp(`"${name}" is not available: cannot load @tensorflow/tfjs-node`),
      );
      expect(tf.getBackend()).toBe(before);
    },
  );

  it('rejects an unknown name, listing the valid ones', async () => {
    await expect(initTfBackend('webgl')).rejects.toThrow(InvalidTfBackendError);
    await expect(initTfBackend('webgl')).rejects.toThrow('auto, webgpu, tensorflow-gpu, tensorflow, wasm, cpu');
  });

  it('auto picks wasm on a machine without a GPU and says why webgpu and native were skipped', async () => {
    const d = await initTfBackend('auto', { cudaVisibleDevices: '', gpuDeviceNodes: noGpu });
    expect(d.name).toBe('wasm');
    expect(d.skipped.map((s) => s.name)).toEqual(['webgpu', 'tensorflow']);
    expect(d.skipped[0].reason).toContain('no GPU device');
    expect(d.skipped[1].reason).toContain('@tensorflow/tfjs-node');
  });

  it.each([
    ['0', ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm']],
    ['', ['@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm']],
    ['-1', ['@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm']],
  ])('auto with CUDA_VISIBLE_DEVICES=%j tries packages in order %j', async (cuda, expected) => {
    const asked: string[] = [];
    const d = await initTfBackend('auto', {
      cudaVisibleDevices: cuda,
      gpuDeviceNodes: noGpu,
      loadModule: (name) => {
        asked.push(name);
        return name.includes('tfjs-node') ? notInstalled(name) : require(name);
      },
    });
    expect(asked).toEqual(expected);
    expect(d.name).toBe('wasm');
  });

  it('auto falls back to cpu when wasm cannot load either', async () => {
    const d = await initTfBackend('auto', { loadModule: notInstalled, gpuDeviceNodes: noGpu });
    expect(d.name).toBe('cpu');
    expect(d.skipped.map((s) => s.name)).toEqual(['webgpu', 'tensorflow', 'wasm']);
  });

  it('refuses a native package that registered no backend with our tfjs (duplicate tfjs-core)', async () => {
    const err = await initTfBackend('tensorflow', { loadModule: () => ({}) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TfBackendUnavailableError);
    expect((err as Error).message).toContain('no "tensorflow" backend is registered');
  });

  it('getTf exposes the same tfjs engine the backends were registered with', () => {
    // (Compare members, not the namespace objects: module interop wraps each import.)
    expect(getTf().engine() === tf.engine()).toBe(true); // toBe on an Engine would diff a huge object
    expect(getTf().getBackend()).toBe(tf.getBackend());
  });
});
