/**
 * Entry point of an ONNX Runtime worker thread. onnxruntime-node's `run` computes on the
 * calling thread (its promise only defers to setImmediate), so forward passes run here, off
 * the HTTP event loop. Messages are handled in order: a `load` sent before a `run` of the
 * same key is always done first.
 *
 * Outputs are copied into a fresh Float32Array and transferred (no second copy).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromWorker, SessionInfo, TensorInfo, ToWorker, WorkerOptions } from './protocol';

const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
type Session = import('onnxruntime-node').InferenceSession;

const options = workerData as WorkerOptions;
const sessions = new Map<string, Session>();
const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, transfer);

function info(meta: readonly unknown[]): TensorInfo[] {
  return (meta as Array<{ name: string; isTensor: boolean; type?: string; shape?: Array<number | string> }>).map(
    (m) => ({
      name: m.name,
      type: m.isTensor ? (m.type ?? null) : null,
      shape: m.isTensor ? [...(m.shape ?? [])] : null,
    }),
  );
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'load': {
      try {
        // The session this load replaces is let go without waiting: it serves nothing any more.
        void sessions.get(m.key)?.release?.();
        const session = await ort.InferenceSession.create(m.model, {
          intraOpNumThreads: options.intraOpThreads,
          interOpNumThreads: 1,
          executionMode: 'sequential',
          graphOptimizationLevel: 'all',
          // Never spin waiting for work: the thread sleeps between requests.
          extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
        });
        sessions.set(m.key, session);
        const result: SessionInfo = { inputs: info(session.inputMetadata), outputs: info(session.outputMetadata) };
        post({ type: 'loaded', id: m.id, info: result });
      } catch (e) {
        post({ type: 'error', id: m.id, message: (e as Error).message });
      }
      return;
    }
    case 'run': {
      const session = sessions.get(m.key);
      if (!session) return post({ type: 'error', id: m.id, message: `no session ${m.key} in this worker` });
      try {
        const feeds = { [m.input]: new ort.Tensor('float32', m.data, m.dims) };
        const out = await session.run(feeds, [m.output]);
        const t = out[m.output];
        const src = t.data;
        const data =
          src instanceof Float32Array ? new Float32Array(src) : Float32Array.from(src as ArrayLike<number>, Number);
        const dims = [...t.dims];
        for (const v of Object.values(out)) v.dispose?.();
        post({ type: 'result', id: m.id, data, dims }, [data.buffer]);
      } catch (e) {
        post({ type: 'error', id: m.id, message: (e as Error).message });
      }
      return;
    }
    case 'unload':
      void sessions.get(m.key)?.release?.();
      sessions.delete(m.key);
      return;
  }
}

// One message at a time, in arrival order.
let chain: Promise<void> = Promise.resolve();
parentPort!.on('message', (m: ToWorker) => {
  chain = chain.then(() => handle(m));
});
post({ type: 'ready', version: ort.env.versions?.node ?? 'unknown' });
