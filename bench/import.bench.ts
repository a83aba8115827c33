/**
 * Import benchmark: one million 1-minute OHLCV rows as one CSV upload, streamed over HTTP
 * into the real service (embedded PGlite by default; PostgreSQL when BENCH_DATABASE_URL is
 * set). Prints rows/s for the first import and for re-importing the same file (all no-ops).
 *   npm run bench:import            ROWS=200000 npm run bench:import
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { createApp } from '../src/app.factory';
import { createRootLogger } from '../src/common/logging/logger';
import { AppConfig } from '../src/config/app-config';
import { machineLine } from './machine';

async function main() {
  const rows = Number(process.env.ROWS ?? 1_000_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-bench-import-'));
  const csvPath = path.join(dir, 'bars.csv');
  const out = fs.createWriteStream(csvPath);
  out.write('timestamp,open,high,low,close,volume\n');
  let price = 1.1;
  const t0 = Date.parse('2020-01-01T00:00:00Z');
  for (let i = 0; i < rows; i++) {
    const open = price;
    price *= 1 + (Math.sin(i * 12.9898) * 43758.5453 % 1) * 0.0004;
    const high = Math.max(open, price) + 0.0002;
    const low = Math.min(open, price) - 0.0002;
    if (!out.write(`${new Date(t0 + i * 60_000).toISOString()},${open.toFixed(5)},${high.toFixed(5)},${low.toFixed(5)},${price.toFixed(5)},${(i % 97) + 1}\n`)) {
      await new Promise<void>((r) => out.once('drain', () => r()));
    }
  }
  await new Promise<void>((r) => out.end(r));
  const bytes = fs.statSync(csvPath).size;

  const config = AppConfig.fromEnv({
    MODEL_REGISTRY_PATH: dir,
    LOG_LEVEL: 'ERROR',
    DEMO_DATA: 'false',
    ...(process.env.BENCH_DATABASE_URL ? { DATABASE_URL: process.env.BENCH_DATABASE_URL } : {}),
  });
  const app = await createApp(config, { logger: createRootLogger('ERROR') });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.getHttpServer().address() as { port: number }).port;
  const upload = async () => {
    const started = process.hrtime.bigint();
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/market-data/import?symbol=EUR/USD&timeframe=1m`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: Readable.toWeb(fs.createReadStream(csvPath)) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    const body = (await res.json()) as { inserted: number; updated: number; rejected_total: number };
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (res.status !== 200) throw new Error(`import failed: ${res.status} ${JSON.stringify(body)}`);
    return { seconds, body };
  };
  console.log(machineLine());
  console.log(`database: ${config.usesEmbeddedDatabase ? 'embedded PGlite' : 'PostgreSQL'}; file: ${rows} rows, ${(bytes / 1e6).toFixed(1)} MB`);
  const first = await upload();
  console.log(`first import:  ${first.seconds.toFixed(1)} s, ${Math.round(rows / first.seconds)} rows/s (inserted ${first.body.inserted}, rejected ${first.body.rejected_total}), RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
  const again = await upload();
  console.log(`re-import:     ${again.seconds.toFixed(1)} s, ${Math.round(rows / again.seconds)} rows/s (inserted ${again.body.inserted}, updated ${again.body.updated})`);
  await app.close();
  if (process.env.BENCH_DATABASE_URL) {
    const { Client } = await import('pg');
    const c = new Client({ connectionString: process.env.BENCH_DATABASE_URL });
    await c.connect();
    await c.query(`DELETE FROM market_bars WHERE symbol = 'EUR/USD' AND timeframe = '1m'`);
    await c.end();
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
