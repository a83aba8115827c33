import * as tf from '@tensorflow/tfjs';
import { InvalidTfBackendError, TfBackendUnavailableError } from './backend-errors';
import {
  TF_BACKEND_CHOICES,
  isTfBackendChoice,
  type TfBackendDescription,
  type TfBackendName,
  type WebGpuDawnBackend,
} from './backend-names';
import { aliasWasmIdentity, restoreWasmIdentity } from './wasm-identity-patch';
import { isWasmBatchMatMulPatched, patchWasmBatchMatMul, unpatchWasmBatchMatMul } from './wasm-matmul-patch';
import { startWebGpu } from './webgpu';
import { initNativeEngine, type NativeEngineMode } from '../native';

/** Loads a package by name; `require` in production, a fake in tests. */
export type ModuleLoader = (packageName: string) => unknown;

export interface InitTfBackendOptions {
  /** The CUDA_VISIBLE_DEVICES value; `auto` only tries the GPU package when it names a device. */
  cudaVisibleDevices?: string;
  /** WEBGPU_DAWN_BACKEND: Dawn's native API for webgpu (default vulkan; opengles for Mesa/compatibility). */
  webgpuDawnBackend?: WebGpuDawnBackend;
  /** GPU_ADAPTER: which WebGPU adapter when several exist (index in Dawn's list, or part of its name). */
  gpuAdapter?: string;
  /** Re-register wasm's BatchMatMul as transpose-first and Identity as reference-counting (default true; benchmarks turn them off). */
  patchWasmMatMul?: boolean;
  loadModule?: ModuleLoader;
  /** GPU device nodes `auto` looks for before trying webgpu (tests replace it). */
  gpuDeviceNodes?: () => string[] | undefined;
  /** NATIVE_ENGINE: fused LSTM/GRU kernels from the native addon on wasm/cpu (default auto). */
  nativeEngine?: NativeEngineMode;
}

export interface TfBackendSelection extends TfBackendDescription {
  /** Backends `auto` tried before this one, with the reason each was skipped. */
  skipped: { name: TfBackendName; reason: string }[];
}

const PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
} as const;

// `require` (not `import()`): the native packages are optionalDependencies that are often
// absent, and a synchronous require inside try/catch is the simplest way to probe them.
const defaultLoader: ModuleLoader = (name) => require(name);

// Backend switches must not interleave (setBackend + ready are two awaits on a global engine).
let queue: Promise<unknown> = Promise.resolve();

/**
 * Choose and start the TensorFlow.js backend, and say what was started.
 *
 * `auto`: WebGPU when Dawn finds a hardware adapter (never a software one: llvmpipe,
 * lavapipe and SwiftShader are slower than the CPU backends), then tfjs-node-gpu when
 * CUDA_VISIBLE_DEVICES names a device, then tfjs-node, then wasm, then cpu — the first that
 * loads wins. An explicit name that cannot start throws {@link TfBackendUnavailableError}:
 * no silent fallback.
 */
export function initTfBackend(requested: string, options: InitTfBackendOptions = {}): Promise<TfBackendSelection> {
  const run = queue.then(() => select(requested, options));
  queue = run.catch(() => undefined);
  return run;
}

async function select(requested: string, options: InitTfBackendOptions): Promise<TfBackendSelection> {
  if (!isTfBackendChoice(requested)) throw new InvalidTfBackendError(requested, TF_BACKEND_CHOICES);
  const load = options.loadModule ?? defaultLoader;

  if (requested !== 'auto') {
    return withEngine({ ...(await start(requested, load, options, false)), skipped: [] }, options);
  }

  const skipped: TfBackendSelection['skipped'] = [];
  const candidates: TfBackendName[] = hasCudaDevice(options.cudaVisibleDevices)
    ? ['webgpu', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']
    : ['webgpu', 'tensorflow', 'wasm', 'cpu'];
  for (const name of candidates) {
    let started: TfBackendDescription;
    try {
      started = await start(name, load, options, true);
    } catch (err) {
      skipped.push({ name, reason: err instanceof TfBackendUnavailableError ? err.reason : String(err) });
      continue;
    }
    return withEngine({ ...started, skipped }, options);
  }
  // cpu is pure JavaScript and always registered by the umbrella package; reaching this
  // line means tfjs itself is broken.
  throw new TfBackendUnavailableError('auto', skipped.map((s) => `${s.name}: ${s.reason}`).join('; '));
}

/** Switches the native engine on or off for the backend that started, and reports it with the backend. */
function withEngine(selection: TfBackendSelection, options: InitTfBackendOptions): TfBackendSelection {
  return { ...selection, engine: initNativeEngine(options.nativeEngine ?? 'auto', selection.name) };
}

/** "" and "-1" (the CUDA convention for "hide every GPU") mean no GPU. */
function hasCudaDevice(value: string | undefined): boolean {
  const v = (value ?? '').trim();
  return v !== '' && v !== '-1';
}

async function start(
  name: TfBackendName,
  load: ModuleLoader,
  options: InitTfBackendOptions,
  auto: boolean,
): Promise<TfBackendDescription> {
  switch (name) {
    case 'webgpu':
      return startWebGpu({
        dawnBackend: options.webgpuDawnBackend,
        adapter: options.gpuAdapter,
        requireHardware: auto,
        load,
        gpuDeviceNodes: options.gpuDeviceNodes,
      });
    case 'tensorflow-gpu':
    case 'tensorflow': {
      const mod = loadPackage(name, PACKAGES[name], load) as { version?: Record<string, string> };
      await activate(name, 'tensorflow');
      return { name, tfjsBackend: 'tensorflow', version: mod.version?.['tfjs-node'] ?? tf.version.tfjs };
    }
    case 'wasm': {
      const mod = loadPackage(name, PACKAGES.wasm, load) as { version_wasm?: string; getThreadsCount?: () => number };
      // Patch before activating: the kept setupFunc binds the wasm function at init.
      if (options.patchWasmMatMul === false) {
        unpatchWasmBatchMatMul();
        restoreWasmIdentity();
      } else {
        patchWasmBatchMatMul();
        aliasWasmIdentity();
      }
      await activate(name, 'wasm');
      const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
      const multiThread = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
      return {
        name,
        tfjsBackend: 'wasm',
        version: mod.version_wasm ?? tf.version.tfjs,
        simd,
        // Node gets the single-threaded build (no SharedArrayBuffer workers): 1 thread.
        threads: multiThread && mod.getThreadsCount ? mod.getThreadsCount() : 1,
        matMulPatched: isWasmBatchMatMulPatched(),
      };
    }
    case 'cpu':
      await activate(name, 'cpu');
      return { name, tfjsBackend: 'cpu', version: tf.version.tfjs, threads: 1 };
  }
}

function loadPackage(name: TfBackendName, packageName: string, load: ModuleLoader): unknown {
  try {
    return load(packageName);
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new TfBackendUnavailableError(name, `cannot load ${packageName} (${why})`);
  }
}

async function activate(name: TfBackendName, tfjsName: string): Promise<void> {
  // A native package bundling its own copy of tfjs-core would register its backend in
  // that other engine, and ours would never see it.
  if (!tf.findBackendFactory(tfjsName)) {
    throw new TfBackendUnavailableError(
      name,
      `no "${tfjsName}" backend is registered with @tensorflow/tfjs ${tf.version.tfjs} (a second copy of tfjs-core?)`,
    );
  }
  let ok: boolean;
  try {
    // setBackend resolves false on failure while getBackend() may still report the name.
    ok = await tf.setBackend(tfjsName);
    await tf.ready(); // no op may run before this
  } catch (err) {
    throw new TfBackendUnavailableError(
      name,
      `initialisation failed: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (!ok || tf.getBackend() !== tfjsName) {
    throw new TfBackendUnavailableError(name, `tf.setBackend('${tfjsName}') failed`);
  }
}
