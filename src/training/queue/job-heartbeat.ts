import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HeartbeatCommand, HeartbeatEvent, HeartbeatInit } from './heartbeat-thread';

/**
 * The main-thread side of the job-heartbeat thread (see heartbeat-thread.ts): tells it which
 * jobs this process holds and, once a second, that the event loop is alive.
 */
export class JobHeartbeat {
  private readonly worker: Worker;
  private readonly alive = new Float64Array(new SharedArrayBuffer(8));
  private readonly pulse: NodeJS.Timeout;
  private readonly listeners = new Set<(e: HeartbeatEvent) => void>();

  constructor(opts: Omit<HeartbeatInit, 'alive'>) {
    this.alive[0] = Date.now();
    this.pulse = setInterval(() => (this.alive[0] = Date.now()), 1000);
    this.pulse.unref();
    const init: HeartbeatInit = { ...opts, alive: this.alive.buffer };
    this.worker = spawnThread(init);
    this.worker.unref();
    this.worker.on('message', (e: HeartbeatEvent) => this.listeners.forEach((l) => l(e)));
    this.worker.on('error', () => undefined);
  }

  hold(job: { id: string; retryCount: number }): void {
    this.send({ hold: { id: job.id, retryCount: job.retryCount } });
  }

  release(id: string): void {
    this.send({ release: id });
  }

  /** Observe what the thread does (tests, logs). */
  onEvent(listener: (e: HeartbeatEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    clearInterval(this.pulse);
    await this.worker.terminate();
  }

  private send(m: HeartbeatCommand): void {
    this.worker.postMessage(m);
  }
}

function spawnThread(init: HeartbeatInit): Worker {
  const js = path.join(__dirname, 'heartbeat-thread.js');
  const ts = path.join(__dirname, 'heartbeat-thread.ts');
  if (__filename.endsWith('.js')) return new Worker(js, { workerData: init });
  return new Worker(`require('@swc-node/register'); require(${JSON.stringify(ts)});`, { eval: true, workerData: init });
}
