import * as path from 'node:path';
import { SHARE_ENV, Worker } from 'node:worker_threads';
import { Logger } from '@nestjs/common';
import type { ThreadLogLevel, TrainingThreadInput, TrainingThreadMessage } from './protocol';

const threadLogger = new Logger('TrainingThread');

type Done = Extract<TrainingThreadMessage, { type: 'done' | 'dqn-done' }>;

export interface ThreadCallbacks {
  /** A console line of the thread (level as Nest's Logger names it); by default logged under "TrainingThread". */
  onLog?: (level: ThreadLogLevel, message: string) => void;
  onBackend?: (name: string, details: Record<string, unknown>) => void;
  onEpoch?: (m: Extract<TrainingThreadMessage, { type: 'epoch' }>) => void;
}

export class TrainingThreadError extends Error {
  constructor(
    message: string,
    readonly kind: 'training' | 'memory' | 'crashed',
  ) {
    super(message);
    this.name = 'TrainingThreadError';
  }
}

/**
 * Runs one training in a worker thread and resolves with its result. The thread is
 * terminated when the process's memory passes `memoryLimitBytes` (MAX_TRAINING_MEMORY);
 * `cancel()` asks it to stop at the next batch.
 */
export class TrainingThread {
  private worker: Worker | undefined;
  private readonly cancelFlag = new SharedArrayBuffer(4);

  run(
    input: Omit<TrainingThreadInput, 'cancelFlag'>,
    memoryLimitBytes: number,
    callbacks: ThreadCallbacks = {},
  ): Promise<Done> {
    const full: TrainingThreadInput = { ...input, cancelFlag: this.cancelFlag };
    // Arrays are copied, not transferred: the caller still needs them for the baselines.
    this.worker = spawnThread(full);
    const worker = this.worker;
    return new Promise<Done>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearInterval(monitor);
        fn();
      };
      // The thread's tensors live in WebAssembly/ArrayBuffer memory that heap limits do not
      // see, so watch the process's resident memory instead.
      const monitor = setInterval(() => {
        const rss = process.memoryUsage.rss();
        if (rss > memoryLimitBytes) {
          finish(() =>
            reject(
              new TrainingThreadError(
                `training stopped: the process used ${(rss / 2 ** 30).toFixed(2)} GB, above MAX_TRAINING_MEMORY (${(memoryLimitBytes / 2 ** 30).toFixed(2)} GB)`,
                'memory',
              ),
            ),
          );
          void worker.terminate();
        }
      }, 250);
      worker.on('message', (m: TrainingThreadMessage) => {
        if (m.type === 'log')
          (callbacks.onLog ?? ((level, message) => threadLogger[level](message)))(m.level, m.message);
        else if (m.type === 'backend') callbacks.onBackend?.(m.name, m.details);
        else if (m.type === 'epoch') callbacks.onEpoch?.(m);
        else if (m.type === 'done' || m.type === 'dqn-done') finish(() => resolve(m));
        else if (m.type === 'error') finish(() => reject(new TrainingThreadError(m.message, 'training')));
      });
      worker.on('error', (e) =>
        finish(() => reject(new TrainingThreadError(`training thread crashed: ${e.message}`, 'crashed'))),
      );
      worker.on('exit', (code) =>
        finish(() =>
          reject(new TrainingThreadError(`training thread exited with code ${code} before finishing`, 'crashed')),
        ),
      );
    }).finally(() => void worker.terminate());
  }

  cancel(): void {
    Atomics.store(new Int32Array(this.cancelFlag), 0, 1);
  }
}

/**
 * Compiled (dist/) the thread runs its .js file; from the TypeScript sources (tests,
 * `start:dev`) it registers swc first so the .ts entry can load.
 *
 * SHARE_ENV: the WebGPU backend sets EGL_PLATFORM / XDG_RUNTIME_DIR when they are unset,
 * and Dawn reads them with getenv — a thread's private copy of process.env would not reach it.
 */
function spawnThread(input: TrainingThreadInput): Worker {
  const js = path.join(__dirname, 'training-thread.js');
  const ts = path.join(__dirname, 'training-thread.ts');
  if (__filename.endsWith('.js')) return new Worker(js, { workerData: input, env: SHARE_ENV });
  return new Worker(`require('@swc-node/register'); require(${JSON.stringify(ts)});`, {
    eval: true,
    workerData: input,
    env: SHARE_ENV,
  });
}
