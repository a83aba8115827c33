/**
 * The native engine: LSTM and GRU layers computed by the fused-rnn addon (one call per
 * layer and sequence, forward and backward), the transformer's attention core and layer norm
 * (one call each way), Adam's per-variable update in one call, and (on wasm) BatchMatMul on
 * the addon's GEMM (and dense layers' _FusedMatMul, leading-axis Sum), on top of the wasm or cpu backend, which keeps
 * running everything else; predictions of plain LSTM/GRU networks skip tfjs altogether
 * (direct-forward.ts). The one place the TypeScript side reaches native code; without
 * the addon, or with NATIVE_ENGINE=off, training and prediction run tfjs-layers' own cells.
 */
import { setNativeBatchMatMul, type NativeBatchMatMul } from '../backend/wasm-matmul-patch';
import { loadFusedRnnAddon, type AddonLoader } from './addon';
import { FUSED_BACKENDS, nativeBatchMatMul, registerFusedKernels } from './kernels';
import { installAdamHook, uninstallAdamHook } from './adam-hook';
import { installDirectForward, uninstallDirectForward } from './direct-forward';
import { installTransformerHook, uninstallTransformerHook } from './transformer-hook';
import { registerTransformerKernels } from './transformer-kernels';
import { installWasmKernels, uninstallWasmKernels } from './wasm-kernels';
import { installRecurrentHook, isRecurrentHookInstalled, uninstallRecurrentHook } from './recurrent-hook';

export const NATIVE_ENGINE_MODES = ['auto', 'on', 'off'] as const;
/** auto: use the addon where it loads; on: fail the start without it; off: never. */
export type NativeEngineMode = (typeof NATIVE_ENGINE_MODES)[number];

/** Which engine computes LSTM/GRU layers, as reported with the backend. */
export interface NativeEngineDescription {
  /** `fused-rnn`: the native addon; `tfjs`: tfjs-layers' cells on the backend. */
  name: 'fused-rnn' | 'tfjs';
  requested: NativeEngineMode;
  /** fused-rnn: its float kernels (`avx2-fma` or `portable`). */
  kernels?: string;
  /** fused-rnn: threads one layer call may use. */
  threads?: number;
  /** tfjs: why the addon is not used. */
  reason?: string;
}

export class NativeEngineUnavailableError extends Error {
  override readonly name = 'NativeEngineUnavailableError';
  constructor(readonly reason: string) {
    super(`NATIVE_ENGINE=on but the native engine cannot run: ${reason}`);
  }
}

export function isNativeEngineMode(value: unknown): value is NativeEngineMode {
  return typeof value === 'string' && (NATIVE_ENGINE_MODES as readonly string[]).includes(value);
}

/**
 * Switch the fused LSTM/GRU path on or off for this thread's tfjs (it is global to the
 * tfjs instance) and say which engine runs on `backend`.
 */
export function initNativeEngine(
  mode: NativeEngineMode,
  backend: string,
  options: { load?: AddonLoader } = {},
): NativeEngineDescription {
  if (mode === 'off') {
    uninstallRecurrentHook();
    uninstallTransformerHook();
    uninstallAdamHook();
    setNativeBatchMatMul(undefined);
    uninstallWasmKernels();
    uninstallDirectForward();
    return { name: 'tfjs', requested: mode, reason: 'switched off (NATIVE_ENGINE=off)' };
  }
  const loaded = loadFusedRnnAddon(options.load);
  let reason: string | undefined;
  if (!loaded.ok) reason = loaded.reason;
  else if (!(FUSED_BACKENDS as readonly string[]).includes(backend))
    reason = `the fused kernels run on the ${FUSED_BACKENDS.join(' and ')} backends, not on ${backend}`;
  if (reason !== undefined || !loaded.ok) {
    uninstallRecurrentHook();
    uninstallTransformerHook();
    uninstallAdamHook();
    setNativeBatchMatMul(undefined);
    uninstallWasmKernels();
    uninstallDirectForward();
    if (mode === 'on') throw new NativeEngineUnavailableError(reason!);
    return { name: 'tfjs', requested: mode, reason };
  }
  registerFusedKernels(loaded.addon);
  installRecurrentHook(loaded.addon);
  registerTransformerKernels(loaded.addon);
  installTransformerHook();
  installAdamHook();
  setNativeBatchMatMul(nativeBatchMatMul(loaded.addon) as unknown as NativeBatchMatMul);
  installWasmKernels(loaded.addon);
  installDirectForward(loaded.addon);
  const info = loaded.addon.info();
  return {
    name: 'fused-rnn',
    requested: mode,
    kernels: info.kernels,
    ...(info.threads !== undefined ? { threads: info.threads } : {}),
  };
}

export function isNativeEngineActive(): boolean {
  return isRecurrentHookInstalled();
}

export { loadFusedRnnAddon, type AddonLoader, type FusedRnnAddon } from './addon';
export { recurrentHookCalls } from './recurrent-hook';
export { directForward, directForwardCalls } from './direct-forward';
export { transformerHookCalls } from './transformer-hook';
export { fusedAdamSteps } from './adam-hook';
export { nativeMatMulCalls } from './kernels';
