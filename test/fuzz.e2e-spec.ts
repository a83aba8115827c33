import * as fc from 'fast-check';
import { importDaily } from './support/jobs';
import { dailyCsv, randomWalk } from './support/series';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Property-based fuzzing of the JSON and query endpoints: whatever arrives, the answer is
 * never a 5xx, always the error envelope when it is an error, and a rejected request
 * changes nothing stored.
 */
const ENVELOPE = ['correlation_id', 'details', 'error_code', 'error_type', 'message'];
const nasty = fc.constantFrom(
  '',
  ' ',
  '../../etc/passwd',
  "'; DROP TABLE models;--",
  '%00',
  '\u0000',
  '𝔘𝔫𝔦',
  'NaN',
  'Infinity',
  '-1',
  '1e309',
  'EUR/USD',
  'price_change_1d',
  'lstm',
  '1d',
  '2020-01-01T00:00:00Z',
  'x'.repeat(5000),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  leaf: fc.oneof(nasty, fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null)),
  node: fc.oneof(
    { depthSize: 'small' },
    tie('leaf'),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(nasty, fc.string({ maxLength: 12 })), tie('node'), { maxKeys: 4 }),
  ),
})).node;

describe('fuzzing the API', () => {
  let t: TestApp;
  let tried = 0;
  beforeAll(async () => {
    t = await startTestApp();
    await importDaily(t, 'EUR/USD', dailyCsv(randomWalk(300, 3)));
  });
  afterAll(async () => {
    await t?.close();
    console.log(`fuzz: ${tried} requests tried`);
  });

  const state = async () =>
    JSON.stringify([
      await (await t.fetch('/api/v1/models?status=archived')).json(),
      await (await t.fetch('/api/v1/models')).json(),
      await (await t.fetch('/api/v1/training/jobs')).json(),
      await (await t.fetch('/api/v1/market-data/symbols')).json(),
    ]);

  const check = async (res: Awaited<ReturnType<TestApp['fetch']>>) => {
    tried++;
    expect(res.status).toBeLessThan(500);
    if (res.status >= 400) expect(Object.keys(await res.json()).sort()).toEqual(ENVELOPE);
  };

  it('random bodies on POST endpoints: never a 5xx, always the envelope, nothing stored changes', async () => {
    const before = await state();
    const routes = [
      '/api/v1/models/train',
      '/api/v1/features/select',
      '/api/v1/market-data/resample',
      '/api/v1/training/jobs/00000000-0000-0000-0000-000000000000/cancel',
    ];
    const seed = {
      '/api/v1/models/train': {
        name: 'x',
        model_type: 'time_series',
        features: ['rsi_14'],
        target: 'price_change_1d',
        symbols: ['EUR/USD'],
        start_date: '2000-01-01T00:00:00Z',
        end_date: '2001-01-01T00:00:00Z',
        timeframe: '1d',
      },
      '/api/v1/features/select': { symbols: ['EUR/USD'], timeframe: '1d', target: 'price_change_1d' },
      '/api/v1/market-data/resample': { symbol: 'EUR/USD', from_timeframe: '1h', to_timeframe: '4h' },
    } as Record<string, Record<string, unknown>>;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        value,
        fc.option(fc.tuple(fc.string({ maxLength: 20 }), value)),
        async (route, body, mutation) => {
          // Half the time: a valid-looking body with one field replaced by garbage.
          const payload =
            mutation && seed[route]
              ? {
                  ...seed[route],
                  [mutation[0] in seed[route]
                    ? mutation[0]
                    : Object.keys(seed[route])[mutation[0].length % Object.keys(seed[route]).length]]: mutation[1],
                }
              : body;
          await check(await t.fetch(route, { method: 'POST', json: payload }));
        },
      ),
      { numRuns: 150, seed: 20261127 },
    );
    // Wrong field types in an otherwise valid train request must not queue anything.
    expect(await state()).toBe(before);
  });

  it('random ids and query strings on GET/DELETE endpoints: never a 5xx', async () => {
    const templates = [
      '/api/v1/models/{id}',
      '/api/v1/models/{id}/versions/{id}',
      '/api/v1/training/jobs/{id}',
      '/api/v1/runs/{id}',
      '/api/v1/experiments/{id}/runs',
      '/api/v1/models?{q}',
      '/api/v1/training/jobs?{q}',
      '/api/v1/market-data?{q}',
      '/api/v1/features/values?{q}',
    ];
    const before = await state();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...templates),
        nasty,
        fc.dictionary(
          fc.constantFrom(
            'symbol',
            'timeframe',
            'limit',
            'offset',
            'status',
            'type',
            'name',
            'start',
            'end',
            'cursor',
            'features',
            'model_id',
            'feature_source',
          ),
          nasty,
          { maxKeys: 5 },
        ),
        async (template, id, query) => {
          const q = new URLSearchParams(query).toString();
          const url = template.replace(/\{id\}/g, encodeURIComponent(id)).replace('{q}', q);
          await check(await t.fetch(url));
        },
      ),
      { numRuns: 200, seed: 7 },
    );
    const long = await t.fetch(`/api/v1/models/${'x'.repeat(5000)}`);
    expect(long.status).toBe(414);
    expect(long.headers.get('x-correlation-id')).toBeTruthy();
    await check(long);
    const del = await t.fetch(`/api/v1/models/${encodeURIComponent("'; DROP TABLE models;--")}`, { method: 'DELETE' });
    await check(del);
    expect(await state()).toBe(before);
  });
});
