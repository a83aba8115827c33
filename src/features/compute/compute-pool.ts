import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { AppError, DataValidationError } from '../../common/errors/app-error';
import { AppConfig } from '../../config/app-config';
import { ComputeTaskError, ComputeWorker } from './compute-worker';
import type { ComputeResult, ComputeTask } from './protocol';

/** 503 with Retry-After: every compute thread is busy and the wait queue is full. */
export class ComputeBusyError extends AppError {
  constructor(threads: number, queued: number) {
    super(
      503,
      'ServiceUnavailableError',
      'COMPUTE_BUSY',
      `all ${threads} feature compute thread(s) are busy and ${queued} request(s) are already waiting (FEATURE_COMPUTE_QUEUE); retry shortly`,
      { threads, queued, retry_after_seconds: 1 },
      { 'Retry-After': '1' },
    );
  }
}

interface Waiting {
  task: ComputeTask;
  resolve: (r: ComputeResult) => void;
  reject: (e: Error) => void;
}

/**
 * A small pool of worker threads for feature computation (FEATURE_COMPUTE_THREADS), so the
 * event loop only reads bars and writes bytes. Requests beyond the threads wait in a bounded
 * queue (FEATURE_COMPUTE_QUEUE); past it the answer is 503 COMPUTE_BUSY rather than an
 * ever-growing backlog. A training job's dataset gets a thread of its own (runDedicated): a
 * minute-long build must not hold up feature requests. Threads start on first use.
 */
@Injectable()
export class FeatureComputePool implements OnApplicationShutdown {
  private readonly logger = new Logger('FeatureComputePool');
  private readonly workers: ComputeWorker[] = [];
  private readonly dedicated = new Set<ComputeWorker>();
  private readonly waiting: Waiting[] = [];
  private closed = false;

  constructor(private readonly config: AppConfig) {}

  /** Run a request's task on a pooled thread; 503 COMPUTE_BUSY when the queue is full. */
  run<T extends ComputeTask>(task: T): Promise<ComputeResult<T>> {
    if (this.closed) return Promise.reject(new Error('the feature compute pool is shut down'));
    const idle = this.idleWorker();
    if (idle) return this.start(idle, task);
    if (this.waiting.length >= this.config.featureComputeQueue) {
      return Promise.reject(new ComputeBusyError(this.config.featureComputeThreads, this.waiting.length));
    }
    return new Promise<ComputeResult<T>>((resolve, reject) =>
      this.waiting.push({ task, resolve: resolve as (r: ComputeResult) => void, reject }),
    );
  }

  /** Run a job's task on a thread of its own, started for it and ended after it. */
  async runDedicated<T extends ComputeTask>(task: T): Promise<ComputeResult<T>> {
    const worker = new ComputeWorker();
    this.dedicated.add(worker);
    try {
      return await translate(worker.run(task));
    } finally {
      this.dedicated.delete(worker);
      void worker.terminate();
    }
  }

  /** Threads busy and tasks waiting (for tests and metrics). */
  get load(): { busy: number; waiting: number } {
    return { busy: this.workers.filter((w) => w.busy).length, waiting: this.waiting.length };
  }

  private idleWorker(): ComputeWorker | undefined {
    for (let i = this.workers.length - 1; i >= 0; i--) if (this.workers[i].dead) this.workers.splice(i, 1);
    const idle = this.workers.find((w) => !w.busy);
    if (idle) return idle;
    if (this.workers.length < this.config.featureComputeThreads) {
      const w = new ComputeWorker();
      this.workers.push(w);
      return w;
    }
    return undefined;
  }

  private start<T extends ComputeTask>(worker: ComputeWorker, task: T): Promise<ComputeResult<T>> {
    const run = translate(worker.run(task));
    void run.catch(() => undefined).finally(() => this.next());
    return run;
  }

  private next(): void {
    while (this.waiting.length) {
      const worker = this.idleWorker();
      if (!worker) return;
      const w = this.waiting.shift()!;
      this.start(worker, w.task).then(w.resolve, w.reject);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(new Error('the feature compute pool is shut down'));
    await Promise.all([...this.workers, ...this.dedicated].map((w) => w.terminate().catch(() => 0)));
    this.workers.length = 0;
    this.logger.debug('feature compute threads stopped');
  }
}

/** The features core's typed errors become 422s with their code and details, as on the main thread. */
async function translate<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ComputeTaskError && e.failure.feature)
      throw new DataValidationError(e.failure.message, e.failure.details ?? null, e.failure.code);
    throw e;
  }
}
