import type { Logger } from '@nestjs/common';

/** How a buffer of type B is emptied, measured and put back together after a failed write. */
export interface BufferKind<B> {
  empty(): B;
  size(buffer: B): number;
  /** `older` (a batch that failed to be written) followed by `newer` (what arrived meanwhile). */
  merge(older: B, newer: B): B;
}

export interface BufferedFlushOptions<B> {
  kind: BufferKind<B>;
  /** How often the timer flushes. */
  intervalMs: number;
  /** Whether there is anywhere to write (false before the database opens): the buffer is kept. */
  ready(): boolean;
  /** Runs before each flush, even with nothing buffered (e.g. a retention sweep). */
  beforeFlush?(): Promise<void>;
  /**
   * Writes a batch. Returns what it could not write (kept for the next flush) or nothing;
   * throwing keeps the whole batch and fails the flush.
   */
  write(batch: B): Promise<B | void>;
  logger: Logger;
  /** What an item is, for the log line about dropped ones ("monitoring events"). */
  items: string;
}

/**
 * The buffered-write lifecycle that the prediction hot path relies on (monitoring aggregates,
 * served predictions): callers add to `buffer` synchronously (never awaiting the database); a
 * timer writes it every `intervalMs`; flushes run one at a time; a failed write puts its batch
 * back in front of what arrived meanwhile; at shutdown the timer stops, the last flush runs and
 * later additions are refused. What does not fit (the caller's bound) is counted with `drop`
 * and reported at the next flush.
 */
export class BufferedFlush<B> {
  buffer: B;
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private stopped = false;
  private dropped = 0;

  constructor(private readonly o: BufferedFlushOptions<B>) {
    this.buffer = o.kind.empty();
  }

  /** False once shut down: additions are ignored. */
  get accepting(): boolean {
    return !this.stopped;
  }

  get size(): number {
    return this.o.kind.size(this.buffer);
  }

  /** Counts an item left out because the buffer is full. */
  drop(): void {
    this.dropped++;
  }

  start(): void {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), this.o.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush().catch(() => undefined);
    this.stopped = true;
  }

  /** Write everything buffered so far (serialised: one flush at a time). */
  flush(): Promise<void> {
    const run = this.flushing.then(() => this.flushNow());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  private async flushNow(): Promise<void> {
    if (!this.o.ready()) return;
    await this.o.beforeFlush?.();
    if (!this.size) return;
    const batch = this.buffer;
    this.buffer = this.o.kind.empty();
    let left: B | void;
    try {
      left = await this.o.write(batch);
    } catch (e) {
      this.requeue(batch);
      this.o.logger.warn(`storing ${this.o.items} failed, kept for the next flush: ${(e as Error).message}`);
      throw e;
    }
    if (left && this.o.kind.size(left)) this.requeue(left);
    if (this.dropped) {
      this.o.logger.warn(`${this.o.items} buffer full: ${this.dropped} not kept`);
      this.dropped = 0;
    }
  }

  private requeue(batch: B): void {
    this.buffer = this.o.kind.merge(batch, this.buffer);
  }
}
