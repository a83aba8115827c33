import * as tf from '@tensorflow/tfjs';

/**
 * The wasm backend's Identity kernel copies its input into new memory, and tfjs calls it for
 * every tensor it keeps for a gradient (every input of every op a backward pass will need)
 * and for every tf.clone: ~180 copies per training batch of the transformer here, up to
 * megabytes each. Tensors are immutable (kernels write only their outputs; Variable.assign
 * swaps buffers), so — as the cpu backend does — Identity can return the same buffer with
 * its reference count raised; the buffer is freed when the last tensor on it is disposed.
 */
type KernelConfig = NonNullable<ReturnType<typeof tf.getKernel>>;
type KernelArgs = Parameters<KernelConfig['kernelFunc']>[0];

const IDENTITY = 'Identity';
const WASM = 'wasm';

let original: KernelConfig | undefined;

export function isWasmIdentityAliased(): boolean {
  return original !== undefined;
}

/** Replace wasm's copying Identity by the reference-counting one. Idempotent. */
export function aliasWasmIdentity(): void {
  if (original) return;
  const stock = tf.getKernel(IDENTITY, WASM);
  if (!stock) throw new Error('wasm kernels are not registered: import @tensorflow/tfjs-backend-wasm first');
  tf.unregisterKernel(IDENTITY, WASM);
  tf.registerKernel({
    ...stock,
    kernelFunc: (args: KernelArgs) => {
      const x = args.inputs['x'] as tf.TensorInfo;
      if (x.dtype === 'string') return stock.kernelFunc(args);
      (args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
  original = stock;
}

/** Put the copying kernel back (benchmarks compare both). Idempotent. */
export function restoreWasmIdentity(): void {
  if (!original) return;
  tf.unregisterKernel(IDENTITY, WASM);
  tf.registerKernel(original);
  original = undefined;
}
