import * as fc from 'fast-check';
import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from './support/test-app';

const csv = (lines: string[]) => lines.join('\n') + '\n';
const H = 3_600_000;
const T0 = Date.parse('2024-01-01T00:00:00Z');

describe('market data', () => {
  let t: TestApp;
  const importCsv = (body: string, symbol = 'EUR/USD', timeframe = '1h', contentType = 'text/csv') =>
    t.fetch(`/api/v1/market-data/import?symbol=${encodeURIComponent(symbol)}&timeframe=${timeframe}`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });
  const allBars = async (symbol: string, timeframe: string) => {
    const res = await t.fetch(
      `/api/v1/market-data?symbol=${encodeURIComponent(symbol)}&timeframe=${timeframe}&limit=10000`,
    );
    return (await res.json()).bars as Array<Record<string, unknown>>;
  };

  beforeAll(async () => {
    t = await startTestApp({ MARKET_DATA_IMPORT_MAX_BYTES: '400000' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('imports OHLCV rows, with ISO, epoch-second and epoch-millisecond timestamps, and answers the counts', async () => {
    const res = await importCsv(
      csv([
        'timestamp,open,high,low,close,volume',
        '2024-01-01T00:00:00Z,1.1000,1.1010,1.0990,1.1005,100',
        `${(T0 + H) / 1000},1.1005,1.1020,1.1000,1.1015,120`,
        `${T0 + 2 * H},1.1015,1.1030,1.1010,1.1025,`,
      ]),
      'eur_usd',
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      symbol: 'EUR/USD',
      timeframe: '1h',
      inserted: 3,
      updated: 0,
      replaced: 0,
      rejected: [],
      rejected_total: 0,
      first: '2024-01-01T00:00:00.000Z',
      last: '2024-01-01T02:00:00.000Z',
    });
    const bars = await allBars('EURUSD', '1h');
    expect(bars).toEqual([
      { timestamp: '2024-01-01T00:00:00.000Z', open: 1.1, high: 1.101, low: 1.099, close: 1.1005, volume: 100 },
      { timestamp: '2024-01-01T01:00:00.000Z', open: 1.1005, high: 1.102, low: 1.1, close: 1.1015, volume: 120 },
      { timestamp: '2024-01-01T02:00:00.000Z', open: 1.1015, high: 1.103, low: 1.101, close: 1.1025, volume: null },
    ]);
  });

  it('importing the same file twice changes nothing; a changed bar counts as updated', async () => {
    const body = csv(['timestamp,close', '2024-02-01T00:00:00Z,1.2', '2024-02-01T01:00:00Z,1.21']);
    expect(await (await importCsv(body, 'GBP/USD')).json()).toMatchObject({ inserted: 2, updated: 0 });
    expect(await (await importCsv(body, 'GBP/USD')).json()).toMatchObject({ inserted: 0, updated: 0 });
    const changed = csv([
      'timestamp,close',
      '2024-02-01T00:00:00Z,1.2',
      '2024-02-01T01:00:00Z,1.22',
      '2024-02-01T02:00:00Z,1.23',
    ]);
    expect(await (await importCsv(changed, 'GBP/USD')).json()).toMatchObject({ inserted: 1, updated: 1 });
  });

  it('rejects wrong rows with their line number and imports the rest', async () => {
    const res = await importCsv(
      csv([
        'timestamp,open,high,low,close',
        '2024-03-01T00:00:00Z,1.1,1.2,1.0,1.15', // 2 ok
        'not-a-date,1.1,1.2,1.0,1.15', // 3
        '2024-03-01T01:00:00Z,1.1,1.0,1.2,1.15', // 4 high < low
        '2024-03-01T02:00:00Z,1.1,1.2,1.0,-1', // 5 non-positive
        '2024-03-01T03:00:00Z,1.1,1.2,1.0,Infinity', // 6 non-finite
        '2024-03-01T03:30:00Z,1.1,1.2,1.0,1.15', // 7 not aligned to 1h
        '2024-03-01T00:00:00Z,1.1,1.2,1.0,1.16', // 8 duplicate
        '2024-03-01T04:00:00Z,1.1,1.2', // 9 wrong column count
        '2024-03-01T05:00:00Z,1.1,1.2,1.0,', // 10 close empty
        '2024-03-01T06:00:00Z,1.1,1.2,1.0,1.3', // 11 close above high
      ]),
      'USD/JPY',
    );
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(body.inserted).toBe(1);
    expect(body.rejected_total).toBe(9);
    expect(body.rejected.map((r: { line: number }) => r.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(body.rejected.map((r: { reason: string }) => r.reason)).toEqual([
      expect.stringContaining('not ISO 8601'),
      expect.stringContaining('high 1 is below low 1.2'),
      expect.stringContaining('not a positive price'),
      expect.stringContaining('not a finite number'),
      expect.stringContaining('not aligned to a 1h bar'),
      expect.stringContaining('duplicate timestamp'),
      expect.stringContaining('expected 5 columns'),
      expect.stringContaining('close is empty'),
      expect.stringContaining('above high'),
    ]);
  });

  it('a file that cannot be read as CSV, has no usable header, or exceeds the limit imports nothing', async () => {
    const before = await allBars('AUD/USD', '1h');
    const unreadable = await importCsv(
      'timestamp,close\n2024-01-01T00:00:00Z,1.0\n"2024-01-01T01:00:00Z,1.1\n',
      'AUD/USD',
    );
    expect(unreadable.status).toBe(400);
    expect(await unreadable.json()).toMatchObject({ error_type: 'BadRequestError', error_code: 'CSV_UNREADABLE' });

    const noHeader = await importCsv('when,price\n2024-01-01T00:00:00Z,1.0\n', 'AUD/USD');
    expect(noHeader.status).toBe(422);
    expect((await noHeader.json()).message).toContain('timestamp and a close column');

    const rows = ['timestamp,close'];
    for (let i = 0; i < 16_000; i++) rows.push(`${new Date(T0 + i * H).toISOString()},1.${i % 1000}`);
    const tooBig = await importCsv(csv(rows), 'AUD/USD');
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toMatchObject({ error_type: 'PayloadTooLargeError' });

    expect(await allBars('AUD/USD', '1h')).toEqual(before);
    expect(before).toEqual([]);
  });

  it('rejects a symbol that is not a currency pair, an unknown timeframe, and a body that is not CSV', async () => {
    const bad = await importCsv('timestamp,close\n', 'BTC-USDT');
    expect(bad.status).toBe(422);
    expect((await bad.json()).details.fields[0].field).toBe('symbol');
    expect((await importCsv('timestamp,close\n', 'EUR/USD', '2h')).status).toBe(422);
    const json = await t.fetch('/api/v1/market-data/import?symbol=EUR/USD&timeframe=1h', {
      method: 'POST',
      json: { rows: [] },
    });
    expect(json.status).toBe(415);
  });

  it('pages through bars with a cursor, filters by range, and deletes a range', async () => {
    const rows = ['timestamp,close'];
    for (let i = 0; i < 25; i++) rows.push(`${new Date(T0 + i * H).toISOString()},${(1 + i / 100).toFixed(2)}`);
    await importCsv(csv(rows), 'NZD/USD');
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: Awaited<ReturnType<TestApp['fetch']>> = await t.fetch(
        `/api/v1/market-data?symbol=NZD/USD&timeframe=1h&limit=10${cursor ? `&cursor=${cursor}` : ''}`,
      );
      const page = await res.json();
      seen.push(...page.bars.map((b: { timestamp: string }) => b.timestamp));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);

    const ranged = await (
      await t.fetch(
        `/api/v1/market-data?symbol=NZD/USD&timeframe=1h&start=2024-01-01T05:00:00Z&end=2024-01-01T07:00:00Z`,
      )
    ).json();
    expect(ranged.bars.map((b: { close: number }) => b.close)).toEqual([1.05, 1.06, 1.07]);

    const del = await t.fetch(
      `/api/v1/market-data?symbol=NZD/USD&timeframe=1h&start=2024-01-01T10:00:00Z&end=2024-01-01T14:00:00Z`,
      { method: 'DELETE' },
    );
    expect(await del.json()).toEqual({ deleted: 5 });
    expect(await allBars('NZD/USD', '1h')).toHaveLength(20);

    expect((await t.fetch('/api/v1/market-data?symbol=NZD/USD&timeframe=1h&cursor=%00%00')).status).toBe(422);
    expect((await t.fetch('/api/v1/market-data?symbol=NZD/USD&timeframe=1h&limit=0')).status).toBe(422);
    expect(
      (
        await t.fetch(
          '/api/v1/market-data?symbol=NZD/USD&timeframe=1h&start=2024-02-01T00:00:00Z&end=2024-01-01T00:00:00Z',
        )
      ).status,
    ).toBe(422);
  });

  it('crafted cursors (huge, tiny, fractional, non-numeric) answer 422 in the envelope, never 5xx', async () => {
    const b64 = (text: string) => Buffer.from(text).toString('base64url');
    const crafted = [
      'MWUyMA',
      'LTFlMzAw',
      b64('8640000000000001'),
      b64('-8640000000000000'),
      b64('253402300800000'),
      b64('1.5'),
      b64('9007199254740993'),
      b64('1e-7'),
      b64('Infinity'),
      b64('0x10'),
      b64(' 1'),
    ];
    const generated = fc
      .sample(
        fc.oneof(
          fc.double().map(String),
          fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
          fc.string({ maxLength: 20 }),
        ),
        { numRuns: 60, seed: 7 },
      )
      .map(b64);
    await importCsv(csv(['timestamp,close', '2024-01-01T00:00:00Z,150.1', '2024-01-01T01:00:00Z,150.2']), 'CAD/JPY');
    for (const cursor of [...crafted, ...generated].filter((c) => /^[A-Za-z0-9_-]{1,64}$/.test(c))) {
      const res = await t.fetch(`/api/v1/market-data?symbol=CAD/JPY&timeframe=1h&cursor=${cursor}`);
      const body = await res.json();
      if (res.status === 200) continue; // a timestamp inside the supported years is a valid position
      expect({ cursor, status: res.status }).toEqual({ cursor, status: 422 });
      expect(body).toMatchObject({
        error_type: 'DataValidationError',
        error_code: 'VALIDATION_FAILED',
        details: { fields: [{ field: 'cursor' }] },
      });
    }
    for (const cursor of ['MWUyMA', 'LTFlMzAw'])
      expect((await t.fetch(`/api/v1/market-data?symbol=CAD/JPY&timeframe=1h&cursor=${cursor}`)).status).toBe(422);
    // A cursor this endpoint returned still works.
    const first = await (await t.fetch('/api/v1/market-data?symbol=CAD/JPY&timeframe=1h&limit=1')).json();
    const second = await (
      await t.fetch(`/api/v1/market-data?symbol=CAD/JPY&timeframe=1h&limit=1&cursor=${first.next_cursor}`)
    ).json();
    expect(second.bars.map((b: { close: number }) => b.close)).toEqual([150.2]);
  });

  it('rejects rows whose epoch timestamp lies beyond the year 9999 (or before 0000) and imports the rest', async () => {
    const res = await importCsv(
      csv([
        'timestamp,close',
        '8640000000000000000,1.1',
        '60000000000000000,1.1',
        '99999999999999999999,1.2',
        '253402300800000,1.3',
        '2024-05-01T00:00:00Z,1.4',
      ]),
      'EUR/NOK',
      '1m',
    );
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      inserted: 1,
      rejected_total: 4,
      first: '2024-05-01T00:00:00.000Z',
      last: '2024-05-01T00:00:00.000Z',
    });
    expect(body.rejected.map((r: { line: number }) => r.line)).toEqual([2, 3, 4, 5]);
    for (const r of body.rejected) expect(r.reason).toContain('outside the supported range 0000-01-01 to 9999-12-31');
    expect((await allBars('EUR/NOK', '1m')).map((b) => b.timestamp)).toEqual(['2024-05-01T00:00:00.000Z']);
    // Only far-future rows: nothing is stored, and the answer is still a 200 with every row rejected.
    const only = await importCsv(csv(['timestamp,close', '8640000000000000000,1.1']), 'EUR/DKK', '1h');
    expect(only.status).toBe(200);
    expect(await only.json()).toMatchObject({ inserted: 0, rejected_total: 1, first: null, last: null });
    expect(await allBars('EUR/DKK', '1h')).toEqual([]);
  });

  it('lists symbols with timeframes, first/last, counts and which columns they have', async () => {
    const body = await (await t.fetch('/api/v1/market-data/symbols')).json();
    const eur = body.symbols.find((s: { symbol: string }) => s.symbol === 'EUR/USD');
    expect(eur.timeframes).toEqual([
      {
        timeframe: '1h',
        first: '2024-01-01T00:00:00.000Z',
        last: '2024-01-01T02:00:00.000Z',
        bars: 3,
        columns: ['open', 'high', 'low', 'close', 'volume'],
        sources: ['import'],
      },
    ]);
    const gbp = body.symbols.find((s: { symbol: string }) => s.symbol === 'GBP/USD');
    expect(gbp.timeframes[0].columns).toEqual(['close']);
  });

  it('resamples 1h to 4h with first open, max high, min low, last close, summed volume, and drops an incomplete final period', async () => {
    const rows = ['timestamp,open,high,low,close,volume'];
    // 10 hourly bars from 00:00: buckets 00-04 and 04-08 complete, 08-12 has only 08 and 09.
    for (let i = 0; i < 10; i++)
      rows.push(
        `${new Date(T0 + i * H).toISOString()},${1 + i / 10},${1.5 + i / 10},${0.5 + i / 10},${1.05 + i / 10},${i + 1}`,
      );
    await importCsv(csv(rows), 'USD/CHF');
    const res = await t.fetch('/api/v1/market-data/resample', {
      method: 'POST',
      json: { symbol: 'USDCHF', from_timeframe: '1h', to_timeframe: '4h' },
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      bars_written: 2,
      inserted: 2,
      dropped_incomplete: 1,
      first: '2024-01-01T00:00:00.000Z',
      last: '2024-01-01T04:00:00.000Z',
    });
    const bars = await allBars('USD/CHF', '4h');
    expect(bars).toHaveLength(2);
    expect(bars[0]).toMatchObject({ timestamp: '2024-01-01T00:00:00.000Z', open: 1, low: 0.5, volume: 1 + 2 + 3 + 4 });
    expect(bars[0].high).toBeCloseTo(1.8, 12);
    expect(bars[0].close).toBeCloseTo(1.35, 12);
    expect(bars[1]).toMatchObject({ timestamp: '2024-01-01T04:00:00.000Z', volume: 5 + 6 + 7 + 8 });
    expect(bars[1].open).toBeCloseTo(1.4, 12);
    expect(bars[1].high).toBeCloseTo(2.2, 12);
    expect(bars[1].low).toBeCloseTo(0.9, 12);
    expect(bars[1].close).toBeCloseTo(1.75, 12);
  });

  it('resamples close-only input to close-only output and refuses a finer or non-multiple target', async () => {
    const res = await t.fetch('/api/v1/market-data/resample', {
      method: 'POST',
      json: { symbol: 'GBP/USD', from_timeframe: '1h', to_timeframe: '1d' },
    });
    expect(res.status).toBe(201);
    expect((await res.json()).dropped_incomplete).toBe(1); // Feb 1 has only 3 of 24 hours
    const finer = await t.fetch('/api/v1/market-data/resample', {
      method: 'POST',
      json: { symbol: 'GBP/USD', from_timeframe: '4h', to_timeframe: '1h' },
    });
    expect(finer.status).toBe(422);
    const none = await t.fetch('/api/v1/market-data/resample', {
      method: 'POST',
      json: { symbol: 'EUR/CHF', from_timeframe: '1h', to_timeframe: '4h' },
    });
    expect(none.status).toBe(404);
  });

  it('a repeated timestamp is rejected even when its first occurrence lies thousands of rows earlier (the import is written in chunks)', async () => {
    const rows = ['timestamp,close'];
    for (let i = 0; i < 12_000; i++) rows.push(`${(T0 + i * H) / 1000},1.${i % 1000}`);
    rows.push(`${T0 / 1000},9.9`); // line 12002 repeats line 2, 12,000 rows (two chunks) later
    const res = await importCsv(csv(rows), 'EUR/CZK');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      inserted: 12_000,
      rejected_total: 1,
      rejected: [{ line: 12_002, reason: expect.stringContaining('duplicate timestamp 2024-01-01T00:00:00.000Z') }],
    });
    const first = await (await t.fetch('/api/v1/market-data?symbol=EUR/CZK&timeframe=1h&limit=1')).json();
    expect(first.bars[0].close).toBe(1); // the first occurrence wins, as within one chunk
  });

  describe('one source per series', () => {
    const resample = (json: Record<string, unknown>) =>
      t.fetch('/api/v1/market-data/resample', {
        method: 'POST',
        json: { symbol: 'AUD/NZD', from_timeframe: '1h', to_timeframe: '1d', ...json },
      });
    const symbolsOf = async (symbol: string) =>
      (await (await t.fetch('/api/v1/market-data/symbols')).json()).symbols.find(
        (s: { symbol: string }) => s.symbol === symbol,
      )?.timeframes;

    beforeAll(async () => {
      // Close-only daily fixes (as the demo's Fed rates), and two days of hourly OHLC bars.
      expect(
        (
          await importCsv(
            csv(['timestamp,close', '2024-01-01,1.10', '2024-01-02,1.11', '2024-01-03,1.12', '2024-01-04,1.13']),
            'AUD/NZD',
            '1d',
          )
        ).status,
      ).toBe(200);
      const hourly = ['timestamp,open,high,low,close'];
      for (let i = 0; i < 48; i++) hourly.push(`${new Date(T0 + i * H).toISOString()},1.2,1.3,1.1,1.25`);
      expect((await importCsv(csv(hourly), 'AUD/NZD', '1h')).status).toBe(200);
    });

    it('resampling into a series that holds imported bars is a 409 naming both sources, and changes nothing', async () => {
      const before = await allBars('AUD/NZD', '1d');
      const res = await resample({});
      expect(res.status).toBe(409);
      const body = await res.json();
      expect(body).toMatchObject({
        error_type: 'ConflictError',
        error_code: 'SERIES_SOURCE_CONFLICT',
        details: {
          symbol: 'AUD/NZD',
          timeframe: '1d',
          writing_source: 'resample:1h',
          existing_sources: [
            { source: 'import', bars: 4, first: '2024-01-01T00:00:00.000Z', last: '2024-01-04T00:00:00.000Z' },
          ],
        },
      });
      expect(body.message).toContain('4 bars from CSV import');
      expect(body.message).toContain('on_conflict=replace');
      expect(await allBars('AUD/NZD', '1d')).toEqual(before);
      expect(await symbolsOf('AUD/NZD')).toContainEqual(
        expect.objectContaining({ timeframe: '1d', bars: 4, columns: ['close'], sources: ['import'] }),
      );
      expect((await resample({ on_conflict: 'merge' })).status).toBe(422);
    });

    it('with on_conflict: replace the series becomes the resampled bars, and /symbols reports their columns and source', async () => {
      const res = await resample({ on_conflict: 'replace' });
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({ bars_written: 2, inserted: 2, updated: 0, replaced: 4 });
      expect((await allBars('AUD/NZD', '1d')).map((b) => [b.timestamp, b.open, b.close])).toEqual([
        ['2024-01-01T00:00:00.000Z', 1.2, 1.25],
        ['2024-01-02T00:00:00.000Z', 1.2, 1.25],
      ]);
      expect(await symbolsOf('AUD/NZD')).toContainEqual({
        timeframe: '1d',
        first: '2024-01-01T00:00:00.000Z',
        last: '2024-01-02T00:00:00.000Z',
        bars: 2,
        columns: ['open', 'high', 'low', 'close'],
        sources: ['resample:1h'],
      });
      // The same source again is an ordinary upsert.
      expect(await (await resample({})).json()).toMatchObject({ inserted: 0, updated: 0, replaced: 0 });
    });

    it('importing CSV into the resampled series is a 409 before the upload is read; with on_conflict=replace it replaces it', async () => {
      const body = csv(['timestamp,close', '2024-01-05,1.14']);
      const refused = await importCsv(body, 'AUD/NZD', '1d');
      expect(refused.status).toBe(409);
      expect(await refused.json()).toMatchObject({
        error_code: 'SERIES_SOURCE_CONFLICT',
        details: { writing_source: 'import', existing_sources: [{ source: 'resample:1h', bars: 2 }] },
      });
      expect(await allBars('AUD/NZD', '1d')).toHaveLength(2);
      const replaced = await t.fetch('/api/v1/market-data/import?symbol=AUD/NZD&timeframe=1d&on_conflict=replace', {
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
        body,
      });
      expect(replaced.status).toBe(200);
      expect(await replaced.json()).toMatchObject({ inserted: 1, replaced: 2 });
      expect(await symbolsOf('AUD/NZD')).toContainEqual(
        expect.objectContaining({ timeframe: '1d', bars: 1, columns: ['close'], sources: ['import'] }),
      );
    });
  });

  it('a database that runs out of disk during an import answers 507 INSUFFICIENT_STORAGE and stores nothing', async () => {
    // A real error with SQLSTATE 53100 (disk_full) from the database, raised by a trigger for
    // one symbol (the error a full volume gives; test/market-data-disk-full.e2e-spec.ts fills a real one).
    const ds = t.app.get(DataSource);
    expect((await importCsv(csv(['timestamp,close', '2024-01-01T00:00:00Z,390.1']), 'EUR/HUF')).status).toBe(200);
    await ds.query(
      `CREATE FUNCTION test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$`,
    );
    await ds.query(
      `CREATE TRIGGER test_disk_full BEFORE INSERT ON market_bars FOR EACH ROW WHEN (NEW.symbol = 'EUR/PLN') EXECUTE FUNCTION test_disk_full()`,
    );
    await ds.query(
      `CREATE TRIGGER test_disk_full_delete BEFORE DELETE ON market_bars FOR EACH ROW WHEN (OLD.symbol = 'EUR/HUF') EXECUTE FUNCTION test_disk_full()`,
    );
    try {
      const res = await importCsv(
        csv(['timestamp,close', '2024-01-01T00:00:00Z,4.3', '2024-01-01T01:00:00Z,4.31']),
        'EUR/PLN',
      );
      expect(res.status).toBe(507);
      const body = await res.json();
      expect(body).toMatchObject({
        error_type: 'InsufficientStorageError',
        error_code: 'INSUFFICIENT_STORAGE',
        details: { reason: 'database_disk_full' },
      });
      expect(body.message).toContain('ran out of disk space');
      expect(body.message).toContain('nothing was written');
      expect(Object.keys(body).sort()).toEqual(['correlation_id', 'details', 'error_code', 'error_type', 'message']);
      expect(await allBars('EUR/PLN', '1h')).toEqual([]);
      // Any other route that meets disk_full answers the same way (the global error mapping).
      const del = await t.fetch('/api/v1/market-data?symbol=EUR/HUF&timeframe=1h', { method: 'DELETE' });
      expect(del.status).toBe(507);
      expect(await del.json()).toMatchObject({
        error_type: 'InsufficientStorageError',
        error_code: 'INSUFFICIENT_STORAGE',
      });
    } finally {
      await ds.query('DROP TRIGGER test_disk_full ON market_bars');
      await ds.query('DROP TRIGGER test_disk_full_delete ON market_bars');
      await ds.query('DROP FUNCTION test_disk_full()');
    }
    expect((await importCsv(csv(['timestamp,close', '2024-01-01T00:00:00Z,4.3']), 'EUR/PLN')).status).toBe(200);
  });

  it('fuzz: arbitrary CSV-ish bodies never cause a 5xx, and a rejected file stores nothing', async () => {
    const cell = fc.oneof(
      fc.string(),
      fc.double().map(String),
      fc.constantFrom('', '"', '""', 'NaN', '-0', '1e309', '../x', "'; DROP TABLE market_bars;--", '\u0000', '𝔘'),
    );
    const body = fc
      .array(fc.array(cell, { maxLength: 7 }), { maxLength: 20 })
      .map((rows) => rows.map((r) => r.join(',')).join('\n'));
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          body,
          body.map((b) => `timestamp,close\n${b}`),
        ),
        async (text) => {
          tried++;
          const res = await importCsv(text, 'EUR/SEK');
          expect(res.status).toBeLessThan(500);
          const json = await res.json();
          if (res.status !== 200) {
            expect(Object.keys(json).sort()).toEqual([
              'correlation_id',
              'details',
              'error_code',
              'error_type',
              'message',
            ]);
            expect(await allBars('EUR/SEK', '1h')).toHaveLength(0);
          } else {
            await t.fetch('/api/v1/market-data?symbol=EUR/SEK&timeframe=1h', { method: 'DELETE' });
          }
        },
      ),
      { numRuns: 60, seed: 42 },
    );
    expect(tried).toBe(60);
  });
});

describe('demo data', () => {
  it('loads daily EUR/USD and GBP/USD Federal Reserve rates on the first start of an empty embedded database', async () => {
    const t = await startTestApp({ DEMO_DATA: 'true', ...(process.env.TEST_DATABASE_URL ? {} : {}) });
    try {
      const body = await (await t.fetch('/api/v1/market-data/symbols')).json();
      if (t.config.usesEmbeddedDatabase) {
        const eur = body.symbols.find((s: { symbol: string }) => s.symbol === 'EUR/USD').timeframes[0];
        expect(eur).toMatchObject({
          timeframe: '1d',
          first: '1999-01-04T00:00:00.000Z',
          columns: ['close'],
          sources: ['demo'],
        });
        expect(eur.bars).toBeGreaterThan(6000);
        const gbp = body.symbols.find((s: { symbol: string }) => s.symbol === 'GBP/USD').timeframes[0];
        expect(gbp.first).toBe('1971-01-04T00:00:00.000Z');
        // A known published value: the H.10 EUR/USD noon rate on 2010-01-04 was 1.4419.
        const day = await (
          await t.fetch(
            '/api/v1/market-data?symbol=EUR/USD&timeframe=1d&start=2010-01-04T00:00:00Z&end=2010-01-04T00:00:00Z',
          )
        ).json();
        expect(day.bars[0].close).toBe(1.4419);
        // Issue #19: writing OHLC bars into the demo's close-only fixes is refused, not mixed in.
        const res = await t.fetch('/api/v1/market-data/import?symbol=EUR/USD&timeframe=1d', {
          method: 'POST',
          headers: { 'content-type': 'text/csv' },
          body: 'timestamp,open,high,low,close\n2010-01-04,1.44,1.45,1.43,1.441\n',
        });
        expect(res.status).toBe(409);
        expect((await res.json()).message).toContain('demo data (Federal Reserve H.10 noon fixes, close-only)');
        expect(
          (
            await (
              await t.fetch(
                '/api/v1/market-data?symbol=EUR/USD&timeframe=1d&start=2010-01-04T00:00:00Z&end=2010-01-04T00:00:00Z',
              )
            ).json()
          ).bars[0],
        ).toMatchObject({ open: null, close: 1.4419 });
      } else {
        // On a PostgreSQL server the demo data is never loaded: it may hold real data.
        expect(body.symbols).toEqual([]);
      }
    } finally {
      await t.close();
    }
  });
});
