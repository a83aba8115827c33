import { ChallengerRouter, requestKeyOf } from './challenger-router';
import type { AnswerSource, PredictionRunner } from './prediction-runner';
import type { PreparedWindows, Resolved } from './prediction.types';
import type { VersionResolver } from './version-resolver';

const primary = (mode: 'shadow' | 'canary', share: number | null = null): Resolved =>
  ({
    row: { version: '1.0.0' },
    ref: { modelId: 'm', version: '1.0.0' },
    deployment: {
      version: '1.0.0',
      target: 'live',
      deployment_id: 'd1',
      scaling_factor: 1,
      monitoring_level: 'medium',
      challenger: { version: '1.1.0', mode, canary_share: share },
    },
    alias: null,
    role: 'active',
  }) as unknown as Resolved;

/** A resolver that resolves (or fails to resolve) the challenger, and a runner that records what it was asked. */
function router(opts: { challengerFails?: boolean } = {}) {
  const asked: Array<{ kind: 'one' | 'batch'; role: string; source: AnswerSource | undefined }> = [];
  const resolver = {
    challengerOf: async (_m: string, p: Resolved, role: string) => {
      if (opts.challengerFails) throw new Error('version 1.1.0 failed');
      return { ...p, row: { version: '1.1.0' }, role };
    },
  } as unknown as VersionResolver;
  const runner = {
    answerOne: async (r: Resolved, _b: unknown, _m: unknown, _s: number, source?: AnswerSource) => {
      asked.push({ kind: 'one', role: r.role, source });
      return { result: {}, windows: {} };
    },
    answerBatch: async (r: Resolved, _b: unknown, _i: unknown, _m: unknown, _s: number, source?: AnswerSource) => {
      asked.push({ kind: 'batch', role: r.role, source });
      return { result: {}, windows: {} };
    },
  } as unknown as PredictionRunner;
  const r = new ChallengerRouter(resolver, runner);
  // Resolves once the shadow's work (success or failure) was counted; the test times out otherwise.
  const waitCounted = async () => {
    while (r.counts.scored + r.counts.failed === 0) await new Promise((res) => setImmediate(res));
  };
  return { r, asked, waitCounted };
}

const windows = (asOf: string | null): PreparedWindows => ({
  features: ['returns_1'],
  window: 2,
  instances: [{ symbol: 'EUR/USD', timeframe: '1d', window: new Float32Array(2), rows: [[0.1], [0.2]], asOf }],
});

describe('ChallengerRouter', () => {
  it('a shadow scores off the request path with the windows the active version built and the bar it answered for', async () => {
    const { r, asked, waitCounted } = router();
    const built = windows('2020-01-10T00:00:00.000Z');
    r.shadow('m', primary('shadow'), { symbol: 'EUR/USD', timeframe: '1d' }, built);
    expect(asked).toEqual([]); // not on this turn: the answer goes out first
    await waitCounted();
    expect(asked).toEqual([
      { kind: 'one', role: 'shadow', source: { barsUpTo: Date.parse('2020-01-10T00:00:00.000Z'), reuse: built } },
    ]);
    expect(r.counts).toEqual({ scored: 1, failed: 0, shed: 0 });
  });

  it('a shadow waits while a request is in flight and runs when it has ended', async () => {
    const { r, asked, waitCounted } = router();
    r.requestStarted();
    r.shadow('m', primary('shadow'), { symbol: 'EUR/USD', timeframe: '1d' }, windows('2020-01-10T00:00:00.000Z'));
    for (let i = 0; i < 5; i++) await new Promise((res) => setImmediate(res));
    expect(asked).toEqual([]);
    expect(r.shadowBacklog).toBe(1);
    r.requestEnded();
    await waitCounted();
    expect(asked).toHaveLength(1);
    expect(r.shadowBacklog).toBe(0);
  });

  it('a batch request is shadowed as a batch with its windows; a canary deployment has no shadow', async () => {
    const { r, asked, waitCounted } = router();
    r.shadow('m', primary('canary', 0.5), { instances: [{}] }, windows(null));
    const built = windows(null);
    r.shadow('m', primary('shadow'), { instances: [{}] }, built);
    await waitCounted();
    expect(asked).toEqual([{ kind: 'batch', role: 'shadow', source: { reuse: built } }]);
  });

  it('a shadow that cannot be resolved is counted as failed, never thrown', async () => {
    const { r, asked, waitCounted } = router({ challengerFails: true });
    r.shadow('m', primary('shadow'), {}, windows(null));
    await waitCounted();
    expect(asked).toEqual([]);
    expect(r.counts).toEqual({ scored: 0, failed: 1, shed: 0 });
  });

  it('a canary answers the keys below its share; when it cannot be resolved the active version answers', async () => {
    const { r } = router();
    // sha256("a")'s first 32 bits / 2^32 ≈ 0.79: above 0.5, below 0.9.
    expect((await r.route('m', primary('canary', 0.5), 'a')).role).toBe('active');
    expect((await r.route('m', primary('canary', 0.9), 'a')).role).toBe('canary');
    const failing = router({ challengerFails: true }).r;
    const p = primary('canary', 0.9);
    expect(await failing.route('m', p, 'a')).toBe(p);
    expect(failing.counts.failed).toBe(1);
  });

  it('requestKeyOf: body request_key first, else the header; 422 for an empty or non-string key', () => {
    expect(requestKeyOf({ request_key: 'k1' }, { requestKey: 'k2' })).toBe('k1');
    expect(requestKeyOf({}, { requestKey: 'k2' })).toBe('k2');
    expect(requestKeyOf({}, undefined)).toBeUndefined();
    expect(() => requestKeyOf({ request_key: '' }, undefined)).toThrow(/request_key must be a string/);
    expect(() => requestKeyOf({}, { requestKey: 'x'.repeat(201) })).toThrow(/X-Request-Key/);
  });
});
