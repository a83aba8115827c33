import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { TfBackendUnavailableError } from './backend-errors';
import type { TfBackendDescription, WebGpuAdapterDescription, WebGpuDawnBackend } from './backend-names';
import {
  adapterLabel,
  describeAdapter,
  gpuDeviceNodes,
  parseAdapterList,
  pickAdapter,
  type GpuAdapterInfo,
} from './webgpu-adapters';

/**
 * TensorFlow.js's WebGPU backend in Node.js, on Google's Dawn (npm package `webgpu`, which
 * ships a prebuilt dawn.node). On NVIDIA/AMD/Intel machines Dawn drives the GPU through
 * Vulkan; its OpenGL ES backend ("compatibility" feature level) also runs on Mesa, which is
 * how the tests run it on a CPU-only machine (llvmpipe).
 *
 * Rules that keep it working in Node:
 * - never read a GPU tensor synchronously (dataSync/arraySync/bufferSync): the WebGPU
 *   backend's readSync needs OffscreenCanvas, which Node has not. Use `await t.data()`.
 * - Dawn reads EGL_PLATFORM / XDG_RUNTIME_DIR through getenv: in a worker thread they must
 *   be set in the real environment (the training thread is started with SHARE_ENV).
 */

/** The slice of the WebGPU API used here (the project compiles without DOM types). */
interface GpuAdapter {
  readonly info: GpuAdapterInfo;
  readonly limits: Record<string, number>;
  readonly features: { has(name: string): boolean };
  requestDevice(descriptor?: Record<string, unknown>): Promise<unknown>;
}
interface Gpu {
  requestAdapter(options?: Record<string, unknown>): Promise<GpuAdapter | null>;
}
interface DawnPackage {
  create(flags: string[]): Gpu;
  globals: Record<string, unknown>;
}
interface WebGpuBackendPackage {
  WebGPUBackend: new (device: unknown, adapterInfo?: GpuAdapterInfo) => tf.KernelBackend;
}

export interface StartWebGpuOptions {
  dawnBackend?: WebGpuDawnBackend;
  /** GPU_ADAPTER: an index into Dawn's adapter list, or a (case-insensitive) part of a name. */
  adapter?: string;
  /** `auto`: refuse software adapters (llvmpipe, lavapipe, SwiftShader): slower than the CPU. */
  requireHardware?: boolean;
  /** Lists GPU device nodes (Linux); `auto` does not even load Dawn when there is none. Tests replace it. */
  gpuDeviceNodes?: () => string[] | undefined;
  load: (packageName: string) => unknown;
}

const DAWN_PACKAGE = 'webgpu';
const TFJS_WEBGPU_PACKAGE = '@tensorflow/tfjs-backend-webgpu';
const TFJS_NAME = 'webgpu';

/** What is registered with tfjs now, so a second init with the same settings reuses it. */
let registered: { key: string; description: TfBackendDescription } | undefined;
/** Dawn instances by flags: one per process (thread) and setting, kept for the process's life. */
const instances = new WeakMap<DawnPackage, Map<string, Gpu>>();

export async function startWebGpu(options: StartWebGpuOptions): Promise<TfBackendDescription> {
  const dawnBackend = options.dawnBackend ?? 'vulkan';
  const featureLevel = dawnBackend === 'opengles' ? 'compatibility' : 'core';
  const adapterChoice = options.adapter?.trim() || undefined;
  const key = `${dawnBackend}|${adapterChoice ?? ''}`;

  if (options.requireHardware) {
    const nodes = (options.gpuDeviceNodes ?? gpuDeviceNodes)();
    if (nodes && nodes.length === 0)
      throw unavailable('no GPU device on this machine (no /dev/dri/renderD*, /dev/nvidia*, /dev/dxg)');
  }

  // Same settings as the backend already registered and initialised: switch back to it.
  if (registered?.key === key && tf.findBackend(TFJS_NAME)) {
    if (options.requireHardware && registered.description.adapter?.software)
      throw softwareOnly(registered.description.adapter);
    await activate();
    return registered.description;
  }

  prepareDawnEnvironment();
  const dawn = loadDawn(options.load);
  if (typeof dawn?.create !== 'function')
    throw unavailable(`${DAWN_PACKAGE} has no create() (unexpected package version)`);
  const tfjsWebGpu = loadPackage(options.load, TFJS_WEBGPU_PACKAGE) as WebGpuBackendPackage;
  if (typeof tfjsWebGpu?.WebGPUBackend !== 'function')
    throw unavailable(`${TFJS_WEBGPU_PACKAGE} exports no WebGPUBackend`);

  const flags = [`backend=${dawnBackend}`];
  let adapterName: string | undefined;
  if (adapterChoice !== undefined) {
    const names = await listWebGpuAdapters(dawn, dawnBackend);
    if (names.length === 0) throw unavailable(noAdapterReason(dawnBackend));
    adapterName = pickAdapter(names, adapterChoice);
    flags.push(`adapter=${adapterName}`);
  }

  const gpu = instance(dawn, flags);
  const requestOptions = { powerPreference: 'high-performance', featureLevel };
  let adapter: GpuAdapter | null;
  try {
    adapter = await gpu.requestAdapter(requestOptions);
  } catch (err) {
    throw unavailable(`requesting a WebGPU adapter failed: ${firstLine(err)}`);
  }
  if (!adapter) throw unavailable(noAdapterReason(dawnBackend));
  const described = describeAdapter(adapter.info, dawnBackend, featureLevel, adapterName);
  if (options.requireHardware && described.software) throw softwareOnly(described);

  installGlobals(dawn.globals, gpu);
  // The package registers its own factory when navigator.gpu existed at require time; ours
  // replaces it (it picks the adapter above and asks for compatibility mode on OpenGL ES).
  if (tf.findBackendFactory(TFJS_NAME)) tf.removeBackend(TFJS_NAME);
  registered = undefined;
  let unused: GpuAdapter | undefined = adapter;
  let factoryError: unknown;
  tf.registerBackend(
    TFJS_NAME,
    async () => {
      try {
        // An adapter hands out one device; a re-created backend asks for a new adapter.
        const a = unused ?? (await gpu.requestAdapter(requestOptions));
        unused = undefined;
        if (!a) throw new Error(noAdapterReason(dawnBackend));
        const device = await a.requestDevice(deviceDescriptor(a));
        return new tfjsWebGpu.WebGPUBackend(device, a.info);
      } catch (err) {
        factoryError = err; // tfjs only logs it and makes setBackend resolve false
        throw err;
      }
    },
    0, // never chosen implicitly: the service always names its backend
  );
  await activate(() => factoryError);
  const description: TfBackendDescription = {
    name: 'webgpu',
    tfjsBackend: TFJS_NAME,
    version: packageVersion(options.load) ?? tf.version.tfjs,
    adapter: described,
  };
  registered = { key, description };
  return description;
}

/**
 * Is there a WebGPU adapter (without starting the tfjs backend)? For tests that must skip
 * with a reason, and for diagnostics.
 */
export async function probeWebGpu(
  options: { dawnBackend?: WebGpuDawnBackend; load?: (name: string) => unknown } = {},
): Promise<{ adapter?: WebGpuAdapterDescription; adapters: string[]; reason?: string }> {
  const dawnBackend = options.dawnBackend ?? 'vulkan';
  try {
    prepareDawnEnvironment();
    const dawn = loadDawn(options.load ?? ((name: string): unknown => require(name)));
    const featureLevel = dawnBackend === 'opengles' ? 'compatibility' : 'core';
    const adapters = await listWebGpuAdapters(dawn, dawnBackend);
    const adapter = await instance(dawn, [`backend=${dawnBackend}`]).requestAdapter({
      powerPreference: 'high-performance',
      featureLevel,
    });
    if (!adapter) return { adapters, reason: noAdapterReason(dawnBackend) };
    return { adapter: describeAdapter(adapter.info, dawnBackend, featureLevel), adapters };
  } catch (err) {
    return { adapters: [], reason: err instanceof TfBackendUnavailableError ? err.reason : firstLine(err) };
  }
}

/**
 * The adapters Dawn offers on `dawnBackend`, by name, in Dawn's order. Dawn lists them in
 * the error it gives for an adapter name that matches none (its documented way to list them).
 */
export async function listWebGpuAdapters(dawn: DawnPackage, dawnBackend: WebGpuDawnBackend): Promise<string[]> {
  const featureLevel = dawnBackend === 'opengles' ? 'compatibility' : 'core';
  try {
    // Resolves null when this backend has no adapter at all (that name matches nothing).
    await dawn
      .create([`backend=${dawnBackend}`, 'adapter=\u0001no such adapter\u0001'])
      .requestAdapter({ featureLevel });
    return [];
  } catch (err) {
    return parseAdapterList(err instanceof Error ? err.message : String(err));
  }
}

/**
 * Dawn (through Mesa's EGL) reads these with getenv; set them unless the user has:
 * EGL_PLATFORM=surfaceless (no display server) and XDG_RUNTIME_DIR (a private directory).
 */
export function prepareDawnEnvironment(): void {
  process.env.EGL_PLATFORM ??= 'surfaceless';
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = privateRuntimeDir();
}

/** A 0700 directory of this user under the temp dir, reused across runs (or a fresh one). */
function privateRuntimeDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  const dir = path.join(os.tmpdir(), `ml-workbench-runtime-${uid}`);
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch {
    // exists: use it only if it is our own private directory (not a link, not shared)
  }
  try {
    const st = fs.lstatSync(dir);
    const mine = typeof process.getuid !== 'function' || st.uid === process.getuid();
    if (st.isDirectory() && mine && (st.mode & 0o077) === 0) return dir;
  } catch {
    // fall through
  }
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ml-workbench-runtime-'));
}

function instance(dawn: DawnPackage, flags: string[]): Gpu {
  const key = flags.join('\n');
  let byFlags = instances.get(dawn);
  if (!byFlags) instances.set(dawn, (byFlags = new Map<string, Gpu>()));
  let gpu = byFlags.get(key);
  if (!gpu) {
    gpu = dawn.create(flags);
    byFlags.set(key, gpu);
  }
  return gpu;
}

/** GPUBufferUsage & co., and navigator.gpu (tfjs's WebGPUBackend checks it exists). */
function installGlobals(globals: Record<string, unknown>, gpu: Gpu): void {
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(globals ?? {})) if (g[k] === undefined) g[k] = v;
  const nav = g['navigator'] as Record<string, unknown> | undefined;
  if (nav === undefined || nav === null) g['navigator'] = { gpu };
  else Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, writable: true });
}

/** The limits tfjs's own factory asks for, so its kernels can use the adapter's full size. */
function deviceDescriptor(adapter: GpuAdapter): Record<string, unknown> {
  const l = adapter.limits;
  return {
    requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
    requiredLimits: {
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    },
  };
}

async function activate(failure: () => unknown = () => undefined): Promise<void> {
  let ok: boolean;
  try {
    ok = await tf.setBackend(TFJS_NAME);
    await tf.ready();
  } catch (err) {
    throw unavailable(`initialisation failed: ${firstLine(err)}`);
  }
  if (!ok || tf.getBackend() !== TFJS_NAME) {
    const why = failure();
    throw unavailable(
      `the GPU device could not be created${why ? `: ${firstLine(why)}` : ` (tf.setBackend('${TFJS_NAME}') failed)`}`,
    );
  }
}

function noAdapterReason(dawnBackend: WebGpuDawnBackend): string {
  return dawnBackend === 'vulkan'
    ? "no WebGPU adapter found with Dawn's Vulkan backend (no GPU, no Vulkan driver, or libvulkan1 missing); on a machine without a Vulkan GPU try WEBGPU_DAWN_BACKEND=opengles (needs Mesa EGL: libegl1, libgl1-mesa-dri)"
    : "no WebGPU adapter found with Dawn's OpenGL ES backend (needs EGL with OpenGL ES 3.1: on Debian/Ubuntu install libegl1 and libgl1-mesa-dri); with a GPU, WEBGPU_DAWN_BACKEND=vulkan is the normal choice";
}

function softwareOnly(a: WebGpuAdapterDescription): TfBackendUnavailableError {
  return unavailable(
    `only a software adapter was found (${adapterLabel(a)}); auto never picks it because it is slower than the CPU backends (TF_BACKEND=webgpu uses it anyway)`,
  );
}

function unavailable(reason: string): TfBackendUnavailableError {
  return new TfBackendUnavailableError('webgpu', reason);
}

function loadPackage(load: (name: string) => unknown, name: string): unknown {
  try {
    return load(name);
  } catch (err) {
    throw unavailable(`cannot load ${name} (${firstLine(err)})`);
  }
}

/**
 * The `webgpu` package is ESM (loaded through Node's require(esm)); where that is not
 * available (Jest's module registry, --no-experimental-require-module) its prebuilt
 * dawn.node, which is all its entry point wraps, is loaded directly.
 */
function loadDawn(load: (name: string) => unknown): DawnPackage {
  try {
    return load(DAWN_PACKAGE) as DawnPackage;
  } catch (err) {
    let binary: string | undefined;
    try {
      const dir = path.dirname(require.resolve(DAWN_PACKAGE));
      binary = path.join(
        dir,
        'dist',
        `${process.platform}-${process.platform === 'darwin' ? 'universal' : process.arch}`,
        'dawn.node',
      );
      return load(binary) as DawnPackage;
    } catch {
      throw unavailable(`cannot load ${DAWN_PACKAGE} (${firstLine(err)})${binary ? ` nor ${binary}` : ''}`);
    }
  }
}

function packageVersion(load: (name: string) => unknown): string | undefined {
  try {
    return (load(`${TFJS_WEBGPU_PACKAGE}/package.json`) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
