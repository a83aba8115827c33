import { MicroBatcher } from './micro-batcher';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A batch function that records each batch and answers x → x * 10 after `delayMs`. */
function recorder(delayMs = 0, fail?: (x: number) => boolean) {
  const batches: number[][] = [];
  const run = async (inputs: number[]) => {
    batches.push([...inputs]);
    if (delayMs) await sleep(delayMs);
    if (fail && inputs.some(fail)) throw new Error(`bad input in [${inputs.join(',')}]`);
    return inputs.map((x) => x * 10);
  };
  return { batches, run };
}

describe('MicroBatcher', () => {
  it('dispatches a lone call on an idle batcher at once, without waiting for the batching window', async () => {
    const { batches, run } = recorder();
    const b = new MicroBatcher(run, { maxBatchSize: 64, maxWaitMs: 10_000 });
    const started = performance.now();
    await expect(b.submit(7)).resolves.toBe(70);
    // The window is 10 s: an answer well before it shows the call did not wait for it
    // (a loose bound, so a loaded machine cannot fail it).
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(batches).toEqual([[7]]);
    // And again once idle.
    await expect(b.submit(8)).resolves.toBe(80);
    expect(batches).toEqual([[7], [8]]);
  });

  it('coalesces calls made in the same turn into one batch, each caller getting its own result', async () => {
    const { batches, run } = recorder();
    // A long window: with 5 ms, a pause between the synchronous submits (GC on a loaded machine)
    // let the third call find the first two past their window and dispatch them early.
    const b = new MicroBatcher(run, { maxBatchSize: 64, maxWaitMs: 10_000 });
    const results = await Promise.all([1, 2, 3, 4, 5].map((x) => b.submit(x)));
    expect(results).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([[1, 2, 3, 4, 5]]);
    expect(b.stats).toMatchObject({ submitted: 5, batches: 1, coalesced: 1, maxBatch: 5 });
  });

  it('queues calls that arrive while a batch runs and sends them together when it ends', async () => {
    const { batches, run } = recorder();
    // The first batch is held at a gate (not a delay) until every later call has queued.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const b = new MicroBatcher(
      async (xs: number[]) => {
        if (batches.length === 0) {
          batches.push([...xs]);
          await gate;
          return xs.map((x) => x * 10);
        }
        return run(xs);
      },
      { maxBatchSize: 64, maxWaitMs: 1 },
    );
    const first = b.submit(1);
    while (batches.length === 0) await new Promise((r) => setImmediate(r)); // the first batch is running
    const later = [2, 3, 4].map((x) => b.submit(x));
    await sleep(5); // past their window: they still wait, as the only slot is taken
    const more = [5, 6].map((x) => b.submit(x));
    release();
    expect(await Promise.all([first, ...later, ...more])).toEqual([10, 20, 30, 40, 50, 60]);
    expect(batches).toEqual([[1], [2, 3, 4, 5, 6]]);
  });

  it('never puts more than maxBatchSize inputs in one batch', async () => {
    const { batches, run } = recorder(5);
    const b = new MicroBatcher(run, { maxBatchSize: 4, maxWaitMs: 1 });
    const inputs = Array.from({ length: 11 }, (_, i) => i);
    expect(await Promise.all(inputs.map((x) => b.submit(x)))).toEqual(inputs.map((x) => x * 10));
    // How the 11 calls split depends on timers (usually 4, 4, 3); the bound and the order do not.
    for (const batch of batches) expect(batch.length).toBeLessThanOrEqual(4);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    expect(batches.flat()).toEqual(inputs);
  });

  it('a call made right after the previous batch ended finds the batcher idle: no wait', async () => {
    const { batches, run } = recorder();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    const b = new MicroBatcher(
      async (xs: number[]) => {
        if (calls++ === 0) await gate;
        return run(xs);
      },
      { maxBatchSize: 100, maxWaitMs: 10_000 },
    );
    const first = b.submit(1);
    await sleep(1);
    release(); // the first batch ends right away…
    await first;
    const queuedAt = performance.now();
    const second = b.submit(2); // …so this arrives on an idle batcher: immediate
    await second;
    // The window is 10 s: an answer well before it shows the call did not wait for it.
    expect(performance.now() - queuedAt).toBeLessThan(5_000);
    expect(batches).toEqual([[1], [2]]);
  });

  it('with a slot free but a batch running, a queue that is not full waits maxWaitMs, then goes', async () => {
    const { batches, run } = recorder();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    const b = new MicroBatcher(
      async (xs: number[]) => {
        if (calls++ === 0) await gate;
        return run(xs);
      },
      { maxBatchSize: 100, maxWaitMs: 300, maxConcurrent: 2 },
    );
    const first = b.submit(1);
    // Until the first batch is running (a 1 ms sleep could fire before the batcher's
    // setImmediate on a loaded machine, and 2 and 3 would join the gated batch).
    while (calls === 0) await new Promise((r) => setImmediate(r));
    const queuedAt = performance.now();
    const second = Promise.all([b.submit(2), b.submit(3)]);
    await second;
    const waited = performance.now() - queuedAt;
    // It waited its window (timers never fire early; 5 ms for the clock's granularity), and
    // then went (a loose upper bound, so a loaded machine cannot fail it).
    expect(waited).toBeGreaterThanOrEqual(295);
    expect(waited).toBeLessThan(5_000);
    expect(batches).toEqual([[2, 3]]); // the first batch is still held at its gate
    release();
    await first;
    expect(batches).toEqual([[2, 3], [1]]);
  });

  it('with a batch running, a young queue waits for its window unless it fills up', async () => {
    const { batches, run } = recorder(1);
    const b = new MicroBatcher(run, { maxBatchSize: 3, maxWaitMs: 40 });
    const first = b.submit(0);
    const queued = [1, 2, 3, 4].map((x) => b.submit(x)); // same turn: joins the first batch (max 3)
    await Promise.all([first, ...queued]);
    expect(batches).toEqual([
      [0, 1, 2],
      [3, 4],
    ]);
  });

  it('one failing input fails only its own caller: a failed batch is retried input by input', async () => {
    const { batches, run } = recorder(0, (x) => x === 3);
    // A long window, so the four synchronous submits always share the first batch (with 1 ms, a
    // pause on a loaded machine once dispatched [1, 2, 3] before 4 arrived).
    const b = new MicroBatcher(run, { maxBatchSize: 64, maxWaitMs: 10_000 });
    const results = await Promise.allSettled([1, 2, 3, 4].map((x) => b.submit(x)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseRejectedResult).reason.message).toContain('bad input');
    expect(batches).toEqual([[1, 2, 3, 4], [1], [2], [3], [4]]);
    expect(b.stats.isolatedFailures).toBe(1);
  });

  it('rejects every caller when a batch returns the wrong number of outputs', async () => {
    const b = new MicroBatcher(async (xs: number[]) => xs.slice(1), {
      maxBatchSize: 8,
      maxWaitMs: 1,
      isolateFailures: false,
    });
    const results = await Promise.allSettled([1, 2].map((x) => b.submit(x)));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
  });

  it('drain resolves once nothing is queued or running', async () => {
    const { run } = recorder(10);
    const b = new MicroBatcher(run, { maxBatchSize: 2, maxWaitMs: 1 });
    const all = Promise.all([1, 2, 3].map((x) => b.submit(x)));
    await b.drain();
    expect(b.queued).toBe(0);
    expect(b.inFlight).toBe(0);
    await all;
    await expect(b.drain()).resolves.toBeUndefined();
  });

  it('reports each dispatched batch size', async () => {
    const sizes: number[] = [];
    const b = new MicroBatcher(
      async (xs: number[]) => xs,
      { maxBatchSize: 2, maxWaitMs: 0 },
      (n) => sizes.push(n),
    );
    await Promise.all([1, 2, 3].map((x) => b.submit(x)));
    expect(sizes).toEqual([2, 1]);
  });
});
