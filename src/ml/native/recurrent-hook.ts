import * as tf from '@tensorflow/tfjs';
import type { FusedCell, FusedRnnAddon, RecurrentActivationCode } from './addon';
import { fusedRecurrent } from './fused-op';
import { fusedKernelsRegistered } from './kernels';

/**
 * Routes tfjs-layers' LSTM and GRU `call` to the fused op. The layers, their weights, their
 * config and so the saved artifacts stay exactly tfjs-layers' own: only how a call is
 * computed changes (models built before the hook was installed and models loaded from disk
 * included). A call the fused op does not cover — masks, initial or returned states,
 * stateful or backwards layers, dropout inside the cell, other activations, no bias, a
 * backend other than wasm/cpu — runs the original code unchanged.
 */
type Kwargs = Record<string, unknown> | undefined;
type CallFn = (this: RecurrentLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs) => tf.Tensor | tf.Tensor[];

interface Named {
  getClassName(): string;
}
interface LayerVar {
  read(): tf.Tensor;
}
export interface RecurrentLayer {
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;
  stateful: boolean;
  cell: {
    units: number;
    dropout: number;
    recurrentDropout: number;
    useBias: boolean;
    activation: Named;
    recurrentActivation: Named;
    kernel: LayerVar;
    recurrentKernel: LayerVar;
    bias: LayerVar | null;
  };
}

export const FUSED_CELL_CLASSES: Record<string, FusedCell> = { LSTM: 'lstm', GRU: 'gru' };
const originals = new Map<string, CallFn>();
let calls = { fused: 0, fallback: 0 };

function layerClass(name: string): { prototype: { call: CallFn } } {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[name];
  if (!entry) throw new Error(`tfjs-layers has no ${name} class registered`);
  return entry[0];
}

export function installRecurrentHook(addon: FusedRnnAddon): void {
  for (const [className, cell] of Object.entries(FUSED_CELL_CLASSES)) {
    if (originals.has(className)) continue;
    const proto = layerClass(className).prototype;
    const original = proto.call;
    originals.set(className, original);
    proto.call = function fusedCall(this: RecurrentLayer, inputs, kwargs) {
      const x = fusable(this, inputs, kwargs);
      if (!x) {
        calls.fallback++;
        return original.call(this, inputs, kwargs);
      }
      calls.fused++;
      return fusedRecurrent(
        addon,
        { cell, act: activationCode(this)!, sequence: this.returnSequences },
        x,
        this.cell.kernel.read(),
        this.cell.recurrentKernel.read(),
        this.cell.bias!.read(),
      );
    };
  }
}

export function uninstallRecurrentHook(): void {
  for (const [className, original] of originals) layerClass(className).prototype.call = original;
  originals.clear();
}

export function isRecurrentHookInstalled(): boolean {
  return originals.size > 0;
}

/** How many layer calls took the fused path and how many the original one (tests, benchmarks). */
export function recurrentHookCalls(reset = false): { fused: number; fallback: number } {
  const out = { ...calls };
  if (reset) calls = { fused: 0, fallback: 0 };
  return out;
}

export function activationCode(layer: RecurrentLayer): RecurrentActivationCode | undefined {
  const name = layer.cell.recurrentActivation?.getClassName?.();
  return name === 'sigmoid' ? 0 : name === 'hardSigmoid' ? 1 : undefined;
}

/** The layer's own configuration allows the fused path (the rule direct-forward.ts shares). */
export function fusableLayer(layer: RecurrentLayer): boolean {
  if (layer.returnState || layer.goBackwards || layer.stateful) return false;
  const c = layer.cell;
  if (!c.useBias || !c.bias || c.dropout > 0 || c.recurrentDropout > 0) return false;
  return c.activation?.getClassName?.() === 'tanh' && activationCode(layer) !== undefined;
}

/** The input tensor when this call can take the fused path, else undefined. */
function fusable(layer: RecurrentLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor3D | undefined {
  if (kwargs?.['mask'] != null || kwargs?.['initialState'] != null) return undefined;
  if (!fusableLayer(layer)) return undefined;
  const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : undefined) : inputs;
  if (!(x instanceof tf.Tensor) || x.rank !== 3 || x.dtype !== 'float32' || x.size === 0) return undefined;
  if (!fusedKernelsRegistered(tf.getBackend())) return undefined;
  return x as tf.Tensor3D;
}
