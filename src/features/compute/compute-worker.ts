import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ComputeFailure, ComputeReply, ComputeResult, ComputeTask } from './protocol';
import { seriesArrays } from './tasks';

/** A task's failure on the compute thread: the features core's typed error, or anything else. */
export class ComputeTaskError extends Error {
  constructor(readonly failure: ComputeFailure) {
    super(failure.message);
    this.name = failure.name;
  }
}

/** One compute thread, one task at a time. A thread that dies fails its task and is not reused. */
export class ComputeWorker {
  private readonly worker: Worker;
  private pending: { id: number; resolve: (r: ComputeResult) => void; reject: (e: Error) => void } | undefined;
  private nextId = 1;
  dead = false;

  constructor() {
    this.worker = spawnThread();
    // A pooled thread must not keep the process alive on its own.
    this.worker.unref();
    this.worker.on('message', (reply: ComputeReply) => {
      const p = this.pending;
      if (!p || p.id !== reply.id) return;
      this.pending = undefined;
      this.worker.unref();
      if (reply.ok) p.resolve(reply.result);
      else p.reject(new ComputeTaskError(reply.error));
    });
    const die = (e: Error) => {
      this.dead = true;
      const p = this.pending;
      this.pending = undefined;
      p?.reject(e);
    };
    this.worker.on('error', (e) => die(new Error(`feature compute thread crashed: ${e.message}`)));
    this.worker.on('exit', (code) => die(new Error(`feature compute thread exited (code ${code})`)));
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }

  run<T extends ComputeTask>(task: T): Promise<ComputeResult<T>> {
    if (this.pending) throw new Error('compute thread is busy');
    const id = this.nextId++;
    return new Promise<ComputeResult<T>>((resolve, reject) => {
      this.pending = { id, resolve: resolve as (r: ComputeResult) => void, reject };
      this.worker.ref(); // a task in flight keeps the process alive; an idle thread does not
      // The bars move to the thread (zero copy); the caller does not use them afterwards.
      this.worker.postMessage({ id, task }, taskBuffers(task));
    });
  }

  terminate(): Promise<number> {
    this.dead = true;
    return this.worker.terminate();
  }
}

function taskBuffers(task: ComputeTask): ArrayBuffer[] {
  const series = task.kind === 'feature-values' ? [task.series] : task.series;
  const out = new Set<ArrayBuffer>();
  for (const s of series) for (const a of seriesArrays(s)) if (a.buffer instanceof ArrayBuffer) out.add(a.buffer);
  return [...out];
}

/** Compiled (dist/) the thread runs its .js file; from the TypeScript sources it registers swc first. */
function spawnThread(): Worker {
  const js = path.join(__dirname, 'compute-thread.js');
  const ts = path.join(__dirname, 'compute-thread.ts');
  if (__filename.endsWith('.js')) return new Worker(js);
  return new Worker(`require('@swc-node/register'); require(${JSON.stringify(ts)});`, { eval: true });
}
