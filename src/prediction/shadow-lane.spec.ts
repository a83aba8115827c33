import { ShadowLane } from './shadow-lane';

/** A task that records when it ran and can be held open. */
function recorder() {
  const ran: string[] = [];
  const gates = new Map<string, () => void>();
  const task =
    (name: string, hold = false) =>
    () =>
      new Promise<void>((resolve) => {
        ran.push(name);
        if (hold) gates.set(name, resolve);
        else resolve();
      });
  return { ran, gates, task };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ShadowLane', () => {
  it('runs shadow work at once when no request is in flight', async () => {
    const lane = new ShadowLane({ capacity: 10, maxDelayMs: 60_000 });
    const { ran, task } = recorder();
    lane.enqueue(task('a'));
    await lane.drained();
    expect(ran).toEqual(['a']);
    expect(lane.stats).toMatchObject({ queued: 1, ran: 1, shed: 0, forced: 0 });
  });

  it('holds shadow work while a request is in flight and runs it when the last one ends', async () => {
    const lane = new ShadowLane({ capacity: 10, maxDelayMs: 60_000 });
    const { ran, task } = recorder();
    lane.requestStarted();
    lane.requestStarted();
    lane.enqueue(task('a'));
    lane.enqueue(task('b'));
    await tick();
    await tick();
    expect(ran).toEqual([]);
    lane.requestEnded();
    await tick();
    expect(ran).toEqual([]); // one request still in flight
    lane.requestEnded();
    await lane.drained();
    expect(ran).toEqual(['a', 'b']);
  });

  it('runs one task at a time, so a request waits for at most one shadow task', async () => {
    const lane = new ShadowLane({ capacity: 10, maxDelayMs: 60_000 });
    const { ran, gates, task } = recorder();
    lane.enqueue(task('a', true));
    lane.enqueue(task('b'));
    await tick();
    await tick();
    expect(ran).toEqual(['a']);
    lane.requestStarted(); // a request arrives while 'a' runs: 'b' must not start after 'a'
    gates.get('a')!();
    await tick();
    await tick();
    expect(ran).toEqual(['a']);
    lane.requestEnded();
    await lane.drained();
    expect(ran).toEqual(['a', 'b']);
  });

  it('sheds the new task when full (the waiting ones keep their place), and counts it', async () => {
    const shed: number[] = [];
    const lane = new ShadowLane({ capacity: 2, maxDelayMs: 60_000 }, undefined, () => shed.push(1));
    const { ran, task } = recorder();
    lane.requestStarted();
    lane.enqueue(task('a'));
    lane.enqueue(task('b'));
    lane.enqueue(task('c'));
    expect(lane.backlog).toBe(2);
    lane.requestEnded();
    await lane.drained();
    expect(ran).toEqual(['a', 'b']);
    expect(lane.stats.shed).toBe(1);
    expect(shed).toHaveLength(1);
  });

  it('under load that never ends, runs an overdue task at most once per maxDelayMs', async () => {
    const lane = new ShadowLane({ capacity: 100, maxDelayMs: 40 });
    const { ran, task } = recorder();
    lane.requestStarted(); // never ends
    const started = performance.now();
    for (let i = 0; i < 20; i++) lane.enqueue(task(`t${i}`));
    await tick();
    await tick();
    expect(ran).toEqual([]); // busy and nothing overdue yet
    while (ran.length < 2 && performance.now() - started < 10_000) await sleep(5);
    const elapsed = performance.now() - started;
    // The rate bound, whatever the timers' lateness: one forced task per 40 ms at most.
    expect(ran.slice(0, 2)).toEqual(['t0', 't1']);
    expect(ran.length).toBeLessThanOrEqual(Math.floor(elapsed / 40) + 1);
    expect(lane.stats.forced).toBe(ran.length);
    expect(lane.backlog).toBe(20 - ran.length);
    lane.close();
  });

  it('a failing shadow task is counted and reported, and the next one still runs', async () => {
    const errors: unknown[] = [];
    const lane = new ShadowLane({ capacity: 10, maxDelayMs: 60_000 }, (e) => errors.push(e));
    const { ran, task } = recorder();
    lane.enqueue(() => Promise.reject(new Error('challenger not loadable')));
    lane.enqueue(task('b'));
    await lane.drained();
    expect(ran).toEqual(['b']);
    expect(lane.stats).toMatchObject({ ran: 1, failed: 1 });
    expect((errors[0] as Error).message).toBe('challenger not loadable');
  });

  it('with idleMs, waits until the serving path has been idle that long; a request within it puts the work off again', async () => {
    const lane = new ShadowLane({ capacity: 10, maxDelayMs: 60_000, idleMs: 40 });
    const { ran, task } = recorder();
    lane.requestStarted();
    lane.enqueue(task('a'));
    lane.requestEnded();
    const ended = performance.now();
    await sleep(15);
    expect(ran).toEqual([]);
    lane.requestStarted(); // the client's next request, 15 ms after its answer
    lane.requestEnded();
    const endedAgain = performance.now();
    await sleep(25);
    expect(ran).toEqual([]); // 40 ms after the first answer, but only 25 ms after the second
    while (ran.length === 0 && performance.now() - endedAgain < 1000) await sleep(2);
    expect(ran).toEqual(['a']);
    expect(performance.now() - endedAgain).toBeGreaterThanOrEqual(39);
    expect(endedAgain - ended).toBeGreaterThanOrEqual(14);
  });

  it('full / shed(): a caller that sees no room counts the shed task without building it', async () => {
    const lane = new ShadowLane({ capacity: 1, maxDelayMs: 60_000 });
    const { ran, task } = recorder();
    lane.requestStarted();
    expect(lane.full).toBe(false);
    lane.enqueue(task('a'));
    expect(lane.full).toBe(true);
    lane.shed();
    expect(lane.stats).toMatchObject({ queued: 1, shed: 1 });
    lane.requestEnded();
    await lane.drained();
    expect(ran).toEqual(['a']);
    expect(lane.full).toBe(false);
  });

  it('refuses a capacity below one', () => {
    expect(() => new ShadowLane({ capacity: 0, maxDelayMs: 10 })).toThrow('capacity must be >= 1');
  });
});
