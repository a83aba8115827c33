/** Messages between the main thread and an ONNX Runtime worker thread. */

export interface TensorInfo {
  name: string;
  /** 'float32', 'int64', … ; null for a non-tensor value (a sequence or map). */
  type: string | null;
  /** Dimensions; a string for a symbolic one (the batch), null for an unknown rank. */
  shape: Array<number | string> | null;
}

export interface SessionInfo {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

export type ToWorker =
  | { type: 'load'; id: number; key: string; model: Uint8Array }
  | { type: 'run'; id: number; key: string; input: string; output: string; data: Float32Array; dims: number[] }
  | { type: 'unload'; key: string };

export type FromWorker =
  | { type: 'ready'; version: string }
  | { type: 'loaded'; id: number; info: SessionInfo }
  | { type: 'result'; id: number; data: Float32Array; dims: number[] }
  | { type: 'error'; id: number; message: string };

export interface WorkerOptions {
  /** Threads one forward pass may use inside ONNX Runtime (intra-op). */
  intraOpThreads: number;
}
