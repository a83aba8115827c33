/**
 * Server-side micro-batching (as TF Serving's batching_parameters and BentoML's adaptive
 * batching do): concurrent calls are coalesced into one call of `run` with many inputs.
 *
 * - A call that arrives while nothing is queued or running is dispatched at once — at the
 *   end of the current event-loop turn (setImmediate), not after a timer: a lone request on
 *   an idle server never waits for the batching window, while the requests whose bytes
 *   arrived in the same I/O poll share its batch. (On a backend whose forward pass is
 *   synchronous, e.g. wasm, a microtask would run each request's pass before the next
 *   request is even read, and nothing would ever coalesce.)
 * - While up to `maxConcurrent` batches run, new calls queue. A queued batch is dispatched
 *   as soon as a slot is free and either it is full (`maxBatchSize`) or its oldest call has
 *   waited `maxWaitMs`.
 * - `run` returns one output per input, in order; each caller gets its own.
 * - When a batch of several fails as a whole, its inputs are retried one by one, so one bad
 *   input fails only its own caller (inputs should be validated before they get here).
 *
 * Pure: no Nest, no tfjs. The clock and timers are the platform's.
 */
export interface MicroBatcherOptions {
  maxBatchSize: number;
  maxWaitMs: number;
  /** Batches running at the same time (default 1: one forward pass at a time per model). */
  maxConcurrent?: number;
  /** Retry the inputs of a failed multi-input batch one by one (default true). */
  isolateFailures?: boolean;
}

export interface MicroBatcherStats {
  /** Calls submitted. */
  submitted: number;
  /** Batches dispatched (calls of `run`, retries of isolated failures included). */
  batches: number;
  /** Batches that carried more than one input. */
  coalesced: number;
  /** The largest batch dispatched. */
  maxBatch: number;
  /** Batches that failed as a whole and were retried input by input. */
  isolatedFailures: number;
}

interface Pending<I, O> {
  input: I;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
  at: number;
}

export class MicroBatcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private scheduled = false;
  private idleWaiters: Array<() => void> = [];
  private readonly maxConcurrent: number;
  private readonly isolate: boolean;
  readonly stats: MicroBatcherStats = { submitted: 0, batches: 0, coalesced: 0, maxBatch: 0, isolatedFailures: 0 };

  constructor(
    private readonly run: (inputs: I[]) => Promise<O[]>,
    private readonly options: MicroBatcherOptions,
    /** Called with each dispatched batch's size (metrics). */
    private readonly onBatch?: (size: number) => void,
  ) {
    if (!(options.maxBatchSize >= 1)) throw new RangeError('maxBatchSize must be ≥ 1');
    if (!(options.maxWaitMs >= 0)) throw new RangeError('maxWaitMs must be ≥ 0');
    this.maxConcurrent = Math.max(1, options.maxConcurrent ?? 1);
    this.isolate = options.isolateFailures ?? true;
  }

  /** Calls queued and not yet dispatched. */
  get queued(): number {
    return this.queue.length;
  }

  /** Batches running now. */
  get inFlight(): number {
    return this.running;
  }

  submit(input: I): Promise<O> {
    this.stats.submitted++;
    return new Promise<O>((resolve, reject) => {
      const idle = this.running === 0 && this.queue.length === 0;
      this.queue.push({ input, resolve, reject, at: performance.now() });
      if (idle) this.scheduleNow();
      else this.pump();
    });
  }

  /** Resolves when nothing is queued or running (used before disposing what `run` uses). */
  drain(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private scheduleNow(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      // Dispatched regardless of the wait: the batcher was idle when the first call came.
      while (this.queue.length > 0 && this.running < this.maxConcurrent) this.dispatch();
      this.pump();
    });
  }

  /** Dispatch what may go now; otherwise arm the timer for the oldest queued call. */
  private pump(): void {
    while (this.queue.length > 0 && this.running < this.maxConcurrent) {
      const full = this.queue.length >= this.options.maxBatchSize;
      const waited = performance.now() - this.queue[0].at;
      if (!full && waited < this.options.maxWaitMs) break;
      this.dispatch();
    }
    if (this.queue.length > 0 && this.running < this.maxConcurrent) this.arm();
    else this.disarm();
  }

  private arm(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.options.maxWaitMs - (performance.now() - this.queue[0].at));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, Math.ceil(wait));
    this.timer.unref?.();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private dispatch(): void {
    const batch = this.queue.splice(0, this.options.maxBatchSize);
    if (batch.length === 0) return;
    this.running++;
    void this.execute(batch);
  }

  /** Runs one batch; frees its slot before its callers resume, so a caller's next call finds the batcher idle. */
  private async execute(batch: Pending<I, O>[]): Promise<void> {
    this.count(batch.length);
    let settle: () => void;
    try {
      const outputs = await this.run(batch.map((p) => p.input));
      if (!Array.isArray(outputs) || outputs.length !== batch.length) {
        throw new Error(
          `batch function returned ${Array.isArray(outputs) ? outputs.length : typeof outputs} outputs for ${batch.length} inputs`,
        );
      }
      settle = () => batch.forEach((p, i) => p.resolve(outputs[i]));
    } catch (error) {
      if (batch.length === 1 || !this.isolate) {
        settle = () => batch.forEach((p) => p.reject(error));
      } else {
        this.stats.isolatedFailures++;
        for (const p of batch) {
          this.count(1);
          try {
            const outputs = await this.run([p.input]);
            if (!Array.isArray(outputs) || outputs.length !== 1)
              throw new Error('batch function did not return one output for one input', { cause: error });
            p.resolve(outputs[0]);
          } catch (e) {
            p.reject(e);
          }
        }
        settle = () => undefined;
      }
    }
    this.running--;
    this.pump();
    if (this.running === 0 && this.queue.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
    settle();
  }

  private count(size: number): void {
    this.stats.batches++;
    if (size > 1) this.stats.coalesced++;
    if (size > this.stats.maxBatch) this.stats.maxBatch = size;
    this.onBatch?.(size);
  }
}
