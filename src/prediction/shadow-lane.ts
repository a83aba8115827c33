/**
 * The lane shadow scorings wait in, behind the requests.
 *
 * A shadow challenger scores the same request as the active version, off the request path. Run
 * at once (on the next turn of the event loop), that work competes with the requests still
 * coming in: under saturating load it doubled the forward passes and raised predict p99 by 12 %
 * (bench:predict --shadow). Issue #17 allows it 5 %. So shadow work runs only when the serving
 * path is idle — no request in flight — and one task at a time; a request that arrives meanwhile
 * waits for at most one shadow task, never for the backlog.
 *
 * Two bounds keep the evidence honest rather than silently thin:
 * - `capacity`: when the backlog is full the NEW task is dropped and counted as shed, so the
 *   shadow's live metrics say how many requests it did not see (`shed` in the stats, a Prometheus
 *   counter where wired). Not the oldest: replacing the oldest kept every request's body and
 *   windows alive for as long as the backlog took to turn over, long enough to survive the young
 *   generation's collections — under saturating load the server's scavenges took 27 % longer
 *   (bench:predict --shadow: 5.7 s against 4.5 s over 40 s) and p99 rose ~10 %. A task dropped on
 *   arrival is garbage at once; the waiting ones stay put until they run.
 * - `maxDelayMs`: a task that has waited this long runs even while requests are in flight, at
 *   most one such task per `maxDelayMs`, so a service that is never idle still gathers some
 *   shadow evidence instead of shedding everything, at a cost bounded by that rate.
 */
export interface ShadowLaneOptions {
  /** Tasks that may wait; beyond it new ones are shed. */
  capacity: number;
  /** A task that waited this long runs even while the serving path is busy. */
  maxDelayMs: number;
  /**
   * How long the serving path must have been idle before waiting work runs (default 0): a
   * client that sends its next request as soon as it has the answer would otherwise find the
   * shadow's work in its way every time.
   */
  idleMs?: number;
}

export interface ShadowLaneStats {
  queued: number;
  ran: number;
  failed: number;
  shed: number;
  /** Tasks run because they had waited maxDelayMs while the serving path stayed busy. */
  forced: number;
}

type Task = () => Promise<unknown>;

export class ShadowLane {
  private readonly waiting: Array<{ task: Task; at: number }> = [];
  private running = false;
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerDue = Infinity;
  private lastEndedAt = -Infinity;
  private lastForcedAt = -Infinity;
  private closed = false;
  readonly stats: ShadowLaneStats = { queued: 0, ran: 0, failed: 0, shed: 0, forced: 0 };

  constructor(
    private readonly options: ShadowLaneOptions,
    private readonly onFailure: (error: unknown) => void = () => undefined,
    private readonly onShed: () => void = () => undefined,
  ) {
    if (!(options.capacity >= 1)) throw new Error(`ShadowLane capacity must be >= 1, got ${options.capacity}`);
    if (!(options.maxDelayMs >= 0)) throw new Error(`ShadowLane maxDelayMs must be >= 0, got ${options.maxDelayMs}`);
  }

  /** Tasks waiting (not running). */
  get backlog(): number {
    return this.waiting.length;
  }

  /** No room: a task enqueued now would be shed. */
  get full(): boolean {
    return this.waiting.length >= this.options.capacity;
  }

  /** Count a task shed without being built (the caller saw `full`). */
  shed(): void {
    this.stats.shed++;
    this.onShed();
    this.pump();
  }

  /** A request started on the serving path: shadow work holds back until it ends. */
  requestStarted(): void {
    this.inFlight++;
  }

  /** A request ended: when none is left in flight, waiting shadow work may run. */
  requestEnded(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.lastEndedAt = performance.now();
    this.pump();
  }

  /** Queue a shadow scoring; when the lane is full this one is shed (counted, never run). */
  enqueue(task: Task): void {
    if (this.closed) return;
    if (this.full) return this.shed();
    this.waiting.push({ task, at: performance.now() });
    this.stats.queued++;
    this.pump();
  }

  /** Resolves once nothing waits or runs (tests, shutdown). */
  async drained(): Promise<void> {
    while (this.running || this.waiting.length > 0) {
      if (!this.running) this.pump(true);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Stop taking work; what waits is dropped (not counted as shed: the process is going away). */
  close(): void {
    this.closed = true;
    this.waiting.length = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private pump(force = false): void {
    if (this.running || this.waiting.length === 0 || this.closed) return;
    const oldest = this.waiting[0];
    const now = performance.now();
    if (this.inFlight > 0 && !force) {
      // Busy: only an overdue task runs, and at most one per maxDelayMs, so a service that is
      // never idle spends at most one shadow task per interval on its shadow.
      const untilOverdue = this.options.maxDelayMs - (now - oldest.at);
      const untilNextForce = this.options.maxDelayMs - (now - this.lastForcedAt);
      const wait = Math.max(untilOverdue, untilNextForce);
      if (wait > 0) {
        this.armTimer(wait);
        return;
      }
      this.stats.forced++;
      this.lastForcedAt = now;
    } else if (!force) {
      const untilIdle = (this.options.idleMs ?? 0) - (now - this.lastEndedAt);
      if (untilIdle > 0) {
        this.armTimer(untilIdle);
        return;
      }
    }
    this.waiting.shift();
    this.running = true;
    // A later turn, never inside the request's own continuation.
    setImmediate(() => {
      oldest
        .task()
        .then(
          () => void this.stats.ran++,
          (e: unknown) => {
            this.stats.failed++;
            this.onFailure(e);
          },
        )
        .finally(() => {
          this.running = false;
          this.pump();
        });
    });
  }

  /** Pump again in `ms` (an earlier time replaces a later one already set). */
  private armTimer(ms: number): void {
    const due = performance.now() + ms;
    if (this.timer) {
      if (this.timerDue <= due) return;
      clearTimeout(this.timer);
    }
    this.timerDue = due;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.timerDue = Infinity;
        this.pump();
      },
      Math.max(1, Math.ceil(ms)),
    );
    this.timer.unref();
  }
}
