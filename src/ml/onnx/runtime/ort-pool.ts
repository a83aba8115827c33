import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FromWorker, SessionInfo, ToWorker, WorkerOptions } from './protocol';

export class OnnxRuntimeError extends Error {
  override readonly name = 'OnnxRuntimeError';
}

/** onnxruntime-node is an optional dependency: absent, serving falls back to TensorFlow.js. */
export function onnxRuntimeInstalled(): { installed: true; version: string } | { installed: false; reason: string } {
  try {
    const pkg = require.resolve('onnxruntime-node/package.json');
    return { installed: true, version: (require(pkg) as { version: string }).version };
  } catch (e) {
    return { installed: false, reason: `onnxruntime-node is not installed (${(e as Error).message.split('\n')[0]})` };
  }
}

export interface OrtPoolOptions {
  /** Worker threads (each holds every loaded session). */
  threads: number;
  /** ONNX Runtime intra-op threads per forward pass. */
  intraOpThreads: number;
}

interface Pending {
  resolve: (m: FromWorker) => void;
  reject: (e: Error) => void;
}

/** One worker thread and what it has loaded; replaced by a fresh one if it dies. */
class OrtWorker {
  readonly loaded = new Set<string>();
  readonly pending = new Map<number, Pending>();
  readonly ready: Promise<void>;
  dead = false;
  private readonly worker: Worker;

  constructor(options: WorkerOptions, onExit: (w: OrtWorker, error: Error) => void) {
    this.worker = spawn(options);
    this.worker.unref();
    this.ready = new Promise<void>((resolve, reject) => {
      this.worker.once('message', (m: FromWorker) =>
        m.type === 'ready' ? resolve() : reject(new OnnxRuntimeError('worker did not start')),
      );
      this.worker.once('error', reject);
    });
    this.ready.catch(() => undefined);
    this.worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.type === 'error') p.reject(new OnnxRuntimeError(m.message));
      else p.resolve(m);
    });
    const die = (error: Error) => {
      if (this.dead) return;
      this.dead = true;
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
      onExit(this, error);
    };
    this.worker.on('error', (e) => die(new OnnxRuntimeError(`ONNX Runtime worker crashed: ${e.message}`)));
    this.worker.on('exit', (code) => die(new OnnxRuntimeError(`ONNX Runtime worker exited (code ${code})`)));
  }

  /** With an id, the worker's reply to it; without (null), a message that gets none. */
  send(m: ToWorker, id: number, transfer?: ArrayBuffer[]): Promise<FromWorker>;
  send(m: ToWorker, id: null, transfer?: ArrayBuffer[]): undefined;
  send(m: ToWorker, id: number | null, transfer: ArrayBuffer[] = []): Promise<FromWorker> | undefined {
    if (this.dead) return id === null ? undefined : Promise.reject(new OnnxRuntimeError('ONNX Runtime worker is gone'));
    if (id === null) {
      this.worker.postMessage(m, transfer);
      return undefined;
    }
    const promise = new Promise<FromWorker>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.worker.postMessage(m, transfer);
    return promise;
  }

  terminate(): Promise<number> {
    this.dead = true;
    return this.worker.terminate();
  }
}

/** Compiled (dist/) the thread runs its .js file; from the sources (tests, dev) via swc. */
function spawn(options: WorkerOptions): Worker {
  const js = path.join(__dirname, 'ort-thread.js');
  const ts = path.join(__dirname, 'ort-thread.ts');
  if (__filename.endsWith('.js')) return new Worker(js, { workerData: options });
  return new Worker(`require('@swc-node/register'); require(${JSON.stringify(ts)});`, {
    eval: true,
    workerData: options,
  });
}

/**
 * A pool of ONNX Runtime worker threads. A model is loaded (and validated) in one thread on
 * `load`, and lazily in the others on their first run of it; each forward pass goes to the
 * least busy thread. A thread that dies is replaced, and re-loads the sessions on demand from
 * the model bytes kept here.
 */
export class OrtPool {
  private workers: OrtWorker[] = [];
  private readonly models = new Map<string, Uint8Array>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: OrtPoolOptions) {
    if (!(options.threads >= 1)) throw new RangeError('threads must be ≥ 1');
    for (let i = 0; i < options.threads; i++) this.workers.push(this.spawn());
  }

  get size(): number {
    return this.workers.length;
  }

  private spawn(): OrtWorker {
    return new OrtWorker({ intraOpThreads: this.options.intraOpThreads }, (dead) => {
      const i = this.workers.indexOf(dead);
      if (i >= 0 && !this.closed) this.workers[i] = this.spawn();
    });
  }

  /** Waits for every thread to have started (ONNX Runtime loaded). */
  async ready(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.ready));
  }

  /** Create a session from the model bytes; rejects with ONNX Runtime's message when it cannot. */
  async load(key: string, model: Uint8Array): Promise<SessionInfo> {
    const w = this.leastBusy();
    await w.ready;
    const id = this.nextId++;
    const reply = await w.send({ type: 'load', id, key, model }, id);
    if (reply?.type !== 'loaded') throw new OnnxRuntimeError('unexpected reply to load');
    this.models.set(key, model);
    w.loaded.add(key);
    return reply.info;
  }

  /** One forward pass: `data` as a float32 tensor of `dims` fed to `input`; `output` read back. */
  async run(
    key: string,
    input: string,
    output: string,
    data: Float32Array,
    dims: number[],
  ): Promise<{ data: Float32Array; dims: number[] }> {
    const model = this.models.get(key);
    if (!model) throw new OnnxRuntimeError(`model ${key} is not loaded`);
    const w = this.leastBusy();
    if (!w.loaded.has(key)) {
      // Queued before the run in the same thread, so it is loaded by the time the run is read.
      const id = this.nextId++;
      w.send({ type: 'load', id, key, model }, id)?.catch(() => w.loaded.delete(key));
      w.loaded.add(key);
    }
    const id = this.nextId++;
    const reply = await w.send({ type: 'run', id, key, input, output, data, dims }, id);
    if (reply?.type !== 'result') throw new OnnxRuntimeError('unexpected reply to run');
    return { data: reply.data, dims: reply.dims };
  }

  unload(key: string): void {
    this.models.delete(key);
    for (const w of this.workers) {
      if (w.loaded.delete(key)) w.send({ type: 'unload', key }, null);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate().catch(() => 0)));
    this.models.clear();
  }

  private leastBusy(): OrtWorker {
    let best = this.workers[0];
    for (const w of this.workers) if (w.pending.size < best.pending.size) best = w;
    return best;
  }
}
