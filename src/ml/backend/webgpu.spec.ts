import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildNetwork, compileNetwork } from '../architectures';
import { seedGlobalRandom, restoreNativeRandom } from '../random';
import { prepareRealDawnEnvironment } from '../testing/real-env';
import { regressionData } from '../testing/synthetic-data';
import { fitNetwork } from '../training';
import {
  TfBackendUnavailableError,
  describeAdapter,
  initTfBackend,
  parseAdapterList,
  pickAdapter,
  probeWebGpu,
} from './index';

/** A fake `webgpu` package: Dawn with the given adapters (by name) on every backend. */
function fakeDawn(adapters: Array<{ name: string; info: Record<string, unknown> }>, created: string[][] = []) {
  const limits = {
    maxComputeWorkgroupStorageSize: 16384,
    maxComputeWorkgroupsPerDimension: 65535,
    maxStorageBufferBindingSize: 1 << 27,
    maxBufferSize: 1 << 28,
    maxComputeWorkgroupSizeX: 256,
    maxComputeInvocationsPerWorkgroup: 256,
  };
  return {
    globals: {},
    create(flags: string[]) {
      created.push(flags);
      const wanted = flags.find((f) => f.startsWith('adapter='))?.slice('adapter='.length);
      return {
        async requestAdapter() {
          const matching = wanted === undefined ? adapters : adapters.filter((a) => a.name.includes(wanted));
          if (wanted !== undefined && matching.length === 0) {
            throw new Error(
              `no adapter with backend 'vulkan' and name '${wanted}' found\nAvailable adapters:\n${adapters.map((a) => ` * backend: 'vulkan', name: '${a.name}'`).join('\n')}`,
            );
          }
          const a = matching[0];
          return a ? { info: a.info, limits, features: { has: () => false }, requestDevice: async () => ({}) } : null;
        },
      };
    },
  };
}

/** Stands in for tfjs's WebGPUBackend in selection tests: a cpu backend under another name. */
function fakeTfjsWebGpu() {
  const Cpu = tf.findBackend('cpu').constructor as new () => tf.KernelBackend;
  return { WebGPUBackend: class extends Cpu {} };
}

const gpuPresent = (): string[] => ['/dev/dri/renderD128'];
const nvidia = {
  name: 'NVIDIA GeForce RTX 4090',
  info: {
    vendor: 'nvidia',
    architecture: 'lovelace',
    device: 'NVIDIA GeForce RTX 4090',
    description: 'NVIDIA: 550.54',
  },
};
const lavapipe = {
  name: 'llvmpipe (LLVM 15.0.6, 256 bits)',
  info: {
    vendor: 'mesa',
    architecture: '',
    device: 'llvmpipe (LLVM 15.0.6, 256 bits)',
    description: 'Mesa 22.3.6 (LLVM 15.0.6)',
    isFallbackAdapter: true,
  },
};

describe('WebGPU backend: adapter choice and reporting', () => {
  afterEach(async () => {
    await initTfBackend('cpu');
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  });

  it('parses the adapter list Dawn gives for an adapter name that matches none', () => {
    const message =
      "no adapter with backend 'vulkan' and name 'x' found\nAvailable adapters:\n * backend: 'vulkan', name: 'NVIDIA A100-SXM4-80GB'\n * backend: 'vulkan', name: 'llvmpipe (LLVM 15.0.6, 256 bits)'";
    expect(parseAdapterList(message)).toEqual(['NVIDIA A100-SXM4-80GB', 'llvmpipe (LLVM 15.0.6, 256 bits)']);
    expect(parseAdapterList('unrelated')).toEqual([]);
  });

  it('GPU_ADAPTER picks by index or by a case-insensitive part of the name, and lists the adapters when none fits', () => {
    const names = ['NVIDIA A100', 'AMD Radeon RX 7900', 'llvmpipe'];
    expect(pickAdapter(names, '1')).toBe('AMD Radeon RX 7900');
    expect(pickAdapter(names, 'radeon')).toBe('AMD Radeon RX 7900');
    expect(() => pickAdapter(names, '3')).toThrow(
      'GPU_ADAPTER=3 but there are 3 adapter(s): 0: NVIDIA A100; 1: AMD Radeon RX 7900; 2: llvmpipe',
    );
    expect(() => pickAdapter(names, 'intel')).toThrow(
      /no adapter name contains GPU_ADAPTER="intel"; adapters: 0: NVIDIA A100/,
    );
  });

  it.each([
    [{ vendor: 'nvidia', architecture: 'ampere', device: 'NVIDIA A100', description: '' }, false],
    [
      { vendor: 'amd', architecture: 'rdna-3', device: 'AMD Radeon RX 7900 XTX (RADV NAVI31)', description: 'radv' },
      false,
    ],
    [
      {
        vendor: '',
        architecture: '',
        device: 'llvmpipe-llvm-15-0-6-256-bits-',
        description: 'OpenGL version OpenGL ES 3.2 Mesa 22.3.6',
      },
      true,
    ],
    [{ vendor: 'mesa', architecture: '', device: 'lavapipe', description: '' }, true],
    [{ vendor: 'google', architecture: 'swiftshader', device: 'SwiftShader Device (Subzero)', description: '' }, true],
    [{ vendor: 'x', architecture: 'software', device: '', description: '' }, true],
    [{ vendor: 'x', architecture: '', device: 'y', description: '', isFallbackAdapter: true }, true],
  ])('describes %j as software: %s', (info, software) => {
    expect(describeAdapter(info, 'vulkan', 'core').software).toBe(software);
  });

  it('explicit webgpu without an adapter throws TfBackendUnavailableError saying what to try', async () => {
    const load = (name: string) => (name === 'webgpu' ? fakeDawn([]) : require(name));
    const vk = await initTfBackend('webgpu', { loadModule: load }).catch((e: unknown) => e);
    expect(vk).toBeInstanceOf(TfBackendUnavailableError);
    expect((vk as Error).message).toMatch(
      /"webgpu" is not available: no WebGPU adapter found with Dawn's Vulkan backend.*WEBGPU_DAWN_BACKEND=opengles/,
    );
    const gl = await initTfBackend('webgpu', { loadModule: load, webgpuDawnBackend: 'opengles' }).catch(
      (e: unknown) => e,
    );
    expect((gl as Error).message).toMatch(/OpenGL ES backend.*libegl1 and libgl1-mesa-dri/);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('explicit webgpu when the packages cannot load says which', async () => {
    const err = await initTfBackend('webgpu', {
      loadModule: (n) => {
        throw new Error(`Cannot find module '${n}'`);
      },
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /"webgpu" is not available: cannot load webgpu \(Cannot find module 'webgpu'\)/,
    );
  });

  it('auto skips a software adapter (slower than the CPU) and says so', async () => {
    const load = (name: string) =>
      name === 'webgpu'
        ? fakeDawn([lavapipe])
        : name === '@tensorflow/tfjs-backend-webgpu'
          ? fakeTfjsWebGpu()
          : name.includes('tfjs-node')
            ? require('no-such-package-here')
            : require(name);
    const d = await initTfBackend('auto', { loadModule: load, gpuDeviceNodes: gpuPresent });
    expect(d.name).toBe('wasm');
    expect(d.skipped[0]).toEqual({
      name: 'webgpu',
      reason: expect.stringMatching(/only a software adapter was found \(mesa llvmpipe.*auto never picks it/),
    });
  });

  it('auto tries webgpu first and reports the hardware adapter', async () => {
    const created: string[][] = [];
    const load = (name: string) =>
      name === 'webgpu'
        ? fakeDawn([nvidia, lavapipe], created)
        : name === '@tensorflow/tfjs-backend-webgpu'
          ? fakeTfjsWebGpu()
          : require(name);
    const d = await initTfBackend('auto', { loadModule: load, gpuDeviceNodes: gpuPresent, cudaVisibleDevices: '0' });
    expect(d).toMatchObject({ name: 'webgpu', tfjsBackend: 'webgpu', skipped: [] });
    expect(d.adapter).toEqual({
      vendor: 'nvidia',
      architecture: 'lovelace',
      device: 'NVIDIA GeForce RTX 4090',
      description: 'NVIDIA: 550.54',
      software: false,
      dawnBackend: 'vulkan',
      featureLevel: 'core',
    });
    expect(created).toEqual([['backend=vulkan']]);
    expect(tf.getBackend()).toBe('webgpu');
  });

  it('a device that cannot be created is an explicit failure that says why, and the previous backend stays', async () => {
    const dawn = fakeDawn([nvidia]);
    const create = dawn.create.bind(dawn);
    dawn.create = (flags: string[]) => {
      const gpu = create(flags);
      return {
        requestAdapter: async () => ({
          ...(await gpu.requestAdapter())!,
          requestDevice: () => Promise.reject(new Error('out of device memory')),
        }),
      };
    };
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined); // tfjs logs the failed init
    try {
      const load = (name: string) =>
        name === 'webgpu' ? dawn : name === '@tensorflow/tfjs-backend-webgpu' ? fakeTfjsWebGpu() : require(name);
      const err = await initTfBackend('webgpu', { loadModule: load }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TfBackendUnavailableError);
      expect((err as Error).message).toContain(
        '"webgpu" is not available: the GPU device could not be created: out of device memory',
      );
    } finally {
      warn.mockRestore();
    }
  });

  it('GPU_ADAPTER passes the chosen adapter to Dawn by name', async () => {
    const created: string[][] = [];
    const load = (name: string) =>
      name === 'webgpu'
        ? fakeDawn([nvidia, lavapipe], created)
        : name === '@tensorflow/tfjs-backend-webgpu'
          ? fakeTfjsWebGpu()
          : require(name);
    const d = await initTfBackend('webgpu', { loadModule: load, gpuAdapter: '1' });
    expect(d.adapter).toMatchObject({ device: lavapipe.info.device, software: true });
    expect(created.at(-1)).toEqual(['backend=vulkan', `adapter=${lavapipe.name}`]);
    const wrong = await initTfBackend('webgpu', { loadModule: load, gpuAdapter: 'radeon' }).catch((e: unknown) => e);
    expect((wrong as Error).message).toContain(
      'no adapter name contains GPU_ADAPTER="radeon"; adapters: 0: NVIDIA GeForce RTX 4090; 1: llvmpipe',
    );
  });
});

describe('no synchronous tensor reads where a GPU backend runs', () => {
  // On WebGPU in Node, dataSync/arraySync/bufferSync throw (the backend's readSync needs
  // OffscreenCanvas); on any GPU they stall. Training and prediction await data() instead.
  it('none in src/ml, src/training, src/prediction, src/deployment (tests excepted)', () => {
    const root = path.resolve(__dirname, '../..');
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts') && !p.endsWith('.spec.ts')) {
          fs.readFileSync(p, 'utf8')
            .split('\n')
            .forEach((line, i) => {
              if (/\.(dataSync|arraySync|bufferSync)\s*\(/.test(line))
                offenders.push(`${path.relative(root, p)}:${i + 1}: ${line.trim()}`);
            });
        }
      }
    };
    for (const d of ['ml', 'training', 'prediction', 'deployment']) walk(path.join(root, d));
    expect(offenders).toEqual([]);
  });
});

/**
 * The real thing on Mesa's software rasteriser (llvmpipe) through Dawn's OpenGL ES backend:
 * CI installs libegl1, libegl-mesa0 and libgl1-mesa-dri (.ci/run).
 */
describe('WebGPU backend on a real (software) adapter', () => {
  let reason: string | undefined;

  beforeAll(async () => {
    await prepareRealDawnEnvironment();
    const probe = await probeWebGpu({ dawnBackend: 'opengles' });
    reason = probe.adapter ? undefined : probe.reason;
    if (reason) console.warn(`WebGPU tests skipped: no adapter on Dawn's OpenGL ES backend (${reason})`);
  });
  afterAll(async () => {
    await initTfBackend('cpu');
  });

  it('starts with WEBGPU_DAWN_BACKEND=opengles and reports the software adapter', async () => {
    if (reason) return;
    const d = await initTfBackend('webgpu', { webgpuDawnBackend: 'opengles' });
    expect(d).toMatchObject({ name: 'webgpu', tfjsBackend: 'webgpu', version: tf.version.tfjs, skipped: [] });
    expect(d.adapter).toMatchObject({ software: true, dawnBackend: 'opengles', featureLevel: 'compatibility' });
    expect(`${d.adapter!.device} ${d.adapter!.description}`).toMatch(/llvmpipe|Mesa/i);
    // auto never picks it, even where a GPU device node exists
    const auto = await initTfBackend('auto', { webgpuDawnBackend: 'opengles', gpuDeviceNodes: gpuPresent });
    expect(auto.name).not.toBe('webgpu');
    expect(auto.skipped[0].reason).toContain('only a software adapter');
  });

  it('a matmul gives the cpu backend’s product (float tolerance)', async () => {
    if (reason) return;
    const a = Float32Array.from({ length: 96 * 80 }, (_, i) => Math.sin(i));
    const b = Float32Array.from({ length: 80 * 64 }, (_, i) => Math.cos(i));
    const product = async () => tf.tidy(() => tf.matMul(tf.tensor2d(a, [96, 80]), tf.tensor2d(b, [80, 64]))).data();
    await initTfBackend('cpu');
    const cpu = await product();
    await initTfBackend('webgpu', { webgpuDawnBackend: 'opengles' });
    const gpu = await product();
    let max = 0;
    for (let i = 0; i < cpu.length; i++) max = Math.max(max, Math.abs(cpu[i] - gpu[i]));
    expect(max).toBeLessThan(1e-4);
  });

  it('an LSTM fit (dropout, validation, early stopping) gives the cpu backend’s losses', async () => {
    if (reason) return;
    const { x, y } = regressionData(64, 8, 3);
    const fit = async (backend: string) => {
      await initTfBackend(backend, { webgpuDawnBackend: 'opengles' });
      seedGlobalRandom(3);
      try {
        let model: tf.LayersModel | undefined;
        tf.tidy(() => {
          model = buildNetwork({
            architecture: 'lstm',
            window: 8,
            numFeatures: 3,
            units: 8,
            layers: 1,
            dropout: 0.1,
            outputUnits: 1,
            outputActivation: 'linear',
          });
        });
        compileNetwork(model!, { learningRate: 0.01, loss: 'mse' });
        const part = (d: { values: Float32Array; shape: number[] }, from: number, to: number) => ({
          values: d.values.slice((from * d.values.length) / 64, (to * d.values.length) / 64),
          shape: [to - from, ...d.shape.slice(1)],
        });
        const r = await fitNetwork(model!, {
          xTrain: part(x, 0, 48),
          yTrain: part(y, 0, 48),
          xVal: part(x, 48, 64),
          yVal: part(y, 48, 64),
          epochs: 3,
          batchSize: 16,
          patience: 2,
        });
        const weights = await Promise.all(model!.getWeights().map((w) => w.data()));
        model!.dispose();
        return { history: r.history, weights };
      } finally {
        restoreNativeRandom();
      }
    };
    const cpu = await fit('cpu');
    const gpu = await fit('webgpu');
    expect(gpu.history.loss).toHaveLength(3);
    for (const k of ['loss', 'val_loss'] as const)
      cpu.history[k].forEach((v, i) => expect(Math.abs(v - gpu.history[k][i])).toBeLessThan(1e-5));
    cpu.weights.forEach((w, i) => w.forEach((v, j) => expect(Math.abs(v - gpu.weights[i][j])).toBeLessThan(1e-4)));
  });
});
