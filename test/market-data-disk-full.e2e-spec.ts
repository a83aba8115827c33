import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { EMBEDDED_BYTES_PER_BAR, EMBEDDED_RESERVE_BYTES } from '../src/market-data/embedded-space';
import { startTestApp, type TestApp } from './support/test-app';
import { testDatabaseUrl } from './support/test-database';

/**
 * Imports onto a volume that is really full: a small tmpfs, mounted for the test. Needs
 * the right to mount (root); where that is missing the suite says so and skips (the error
 * mapping itself is covered everywhere by the disk_full trigger test in market-data.e2e-spec.ts).
 * - PostgreSQL: market_bars moved to a tablespace on a 1 MiB tmpfs; the server fails the
 *   import with 53100 disk_full, the service answers 507 and the server carries on.
 * - Either database: the upload buffer's volume (MARKET_DATA_IMPORT_SPOOL_DIR on a 2 MiB tmpfs) full → 507 as well.
 * - Embedded PGlite: the registry (and so the database) on a 96 MiB tmpfs. PGlite does not
 *   survive a real "No space left on device" (its next query spins forever and freezes the
 *   process), so the service must refuse an import that would not fit before writing.
 */
function tryMount(dir: string, size: string): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function umount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    /* already gone */
  }
}

const H = 3_600_000;
const T0 = Date.parse('2024-01-01T00:00:00Z');
const hourly = (n: number) => {
  const rows = ['timestamp,close'];
  for (let i = 0; i < n; i++) rows.push(`${(T0 + i * H) / 1000},1.${i % 1000}`);
  return rows.join('\n') + '\n';
};

const mountable = (() => {
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-mount-probe-'));
  const ok = tryMount(probe, '1m');
  if (ok) umount(probe);
  fs.rmSync(probe, { recursive: true, force: true });
  return ok;
})();

if (!mountable) {
  console.warn(
    'market-data-disk-full: cannot mount a tmpfs here (needs root on Linux); skipping the real full-disk imports',
  );
}

(mountable ? describe : describe.skip)('import onto a full disk (real tmpfs)', () => {
  let t: TestApp;
  let mountDir: string;
  let tablespace: string | undefined;
  let spoolDir: string;

  const importCsv = (body: string, symbol: string) =>
    t.fetch(`/api/v1/market-data/import?symbol=${encodeURIComponent(symbol)}&timeframe=1h`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body,
    });

  beforeAll(async () => {
    mountDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-full-'));
    const onPostgres = Boolean(testDatabaseUrl());
    spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-spool-'));
    if (!tryMount(mountDir, onPostgres ? '1m' : '96m') || !tryMount(spoolDir, '2m'))
      throw new Error('tmpfs mount failed');
    t = await startTestApp({
      MARKET_DATA_IMPORT_MAX_BYTES: '8000000',
      MARKET_DATA_IMPORT_SPOOL_DIR: spoolDir,
      ...(onPostgres ? {} : { MODEL_REGISTRY_PATH: path.join(mountDir, 'registry') }),
    });
    if (onPostgres) {
      const ds = t.app.get(DataSource);
      const [{ data_directory }] = await ds.query(`SELECT current_setting('data_directory') AS data_directory`);
      const owner = fs.statSync(data_directory); // the server runs here, as this user
      fs.chownSync(mountDir, owner.uid, owner.gid);
      tablespace = `mlwb_full_${process.pid}`;
      await ds.query(`CREATE TABLESPACE ${tablespace} LOCATION '${mountDir}'`);
      await ds.query(`ALTER TABLE market_bars SET TABLESPACE ${tablespace}`);
    }
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    if (tablespace) {
      const { Client } = await import('pg');
      const c = new Client({ connectionString: testDatabaseUrl() });
      await c.connect();
      await c.query(`DROP TABLESPACE IF EXISTS ${tablespace}`).catch(() => undefined);
      await c.end();
    }
    for (const dir of [mountDir, spoolDir]) {
      if (!dir) continue;
      umount(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers 507 INSUFFICIENT_STORAGE, stores nothing, and the service keeps answering', async () => {
    if (!t.config.usesEmbeddedDatabase) {
      // PostgreSQL: the write itself fails with 53100 once the tablespace is full.
      const res = await importCsv(hourly(60_000), 'EUR/USD');
      expect(res.status).toBe(507);
      expect(await res.json()).toMatchObject({
        error_type: 'InsufficientStorageError',
        error_code: 'INSUFFICIENT_STORAGE',
        details: { reason: 'database_disk_full' },
      });
    } else {
      // PGlite: an import a little larger than what the free space holds is refused before it
      // writes; a smaller one goes through.
      const s = fs.statfsSync(t.config.embeddedDataDir);
      const tooMany = Math.ceil((s.bavail * s.bsize - EMBEDDED_RESERVE_BYTES) / EMBEDDED_BYTES_PER_BAR) + 500;
      const res = await importCsv(hourly(tooMany), 'EUR/USD');
      expect(res.status).toBe(507);
      const body = await res.json();
      expect(body).toMatchObject({
        error_type: 'InsufficientStorageError',
        error_code: 'INSUFFICIENT_STORAGE',
        details: { reason: 'database_disk_full', bars: tooMany },
      });
      expect(body.message).toContain('nothing was written');
      expect((await importCsv(hourly(2_000), 'GBP/USD')).status).toBe(200);
    }
    expect((await (await t.fetch('/api/v1/market-data?symbol=EUR/USD&timeframe=1h')).json()).bars).toEqual([]);
    expect((await t.fetch('/api/v1/models')).status).toBe(200);
    expect((await t.fetch('/health')).status).toBe(200);
  }, 60_000);

  it('a full upload buffer (MARKET_DATA_IMPORT_SPOOL_DIR) answers 507 and imports nothing', async () => {
    const res = await importCsv(hourly(100_000), 'AUD/USD'); // ~2.4 MB of spooled rows on a 2 MiB volume
    expect(res.status).toBe(507);
    const body = await res.json();
    expect(body).toMatchObject({
      error_type: 'InsufficientStorageError',
      error_code: 'INSUFFICIENT_STORAGE',
      details: { reason: 'spool_disk_full' },
    });
    expect(body.message).toContain(spoolDir);
    expect((await (await t.fetch('/api/v1/market-data?symbol=AUD/USD&timeframe=1h')).json()).bars).toEqual([]);
    expect(fs.readdirSync(spoolDir)).toEqual([]);
  }, 60_000);
});
