/**
 * Import benchmark: one CSV upload, streamed over HTTP into the real service (embedded
 * PGlite by default; PostgreSQL when BENCH_DATABASE_URL is set). Prints rows/s, the peak
 * RSS of the process (service and bench share it) while each import runs, the embedded
 * database's growth per bar, and how long other requests waited meanwhile.
 *   npm run bench:import
 *   ROWS=2000000 npm run bench:import
 *   ROWS=17500000 FORMAT=close-epoch REIMPORT=false npm run bench:import   (a 279 MB file)
 * FORMAT: ohlcv-iso (default: ISO timestamps, OHLCV, ~60 bytes a row) or close-epoch
 * (epoch seconds and a two-decimal close, ~16 bytes a row: the most rows per megabyte).
 * PROBE_MS (default 500): how often GET /api/v1/models and /health/live are timed during
 * an import (0 turns the probe off). The last line is JSON.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import { createApp } from '../src/app.factory';
import { createRootLogger } from '../src/common/logging/logger';
import { AppConfig } from '../src/config/app-config';
import { machineLine } from './machine';

type Format = 'ohlcv-iso' | 'close-epoch';

async function writeCsv(file: string, rows: number, format: Format): Promise<void> {
  const out = fs.createWriteStream(file);
  out.write(format === 'ohlcv-iso' ? 'timestamp,open,high,low,close,volume\n' : 'timestamp,close\n');
  let price = 1.1;
  const t0 = Date.parse('2000-01-01T00:00:00Z');
  for (let i = 0; i < rows; i++) {
    const open = price;
    price *= 1 + ((Math.sin(i * 12.9898) * 43758.5453) % 1) * 0.0004;
    const t = t0 + i * 60_000;
    const line =
      format === 'ohlcv-iso'
        ? `${new Date(t).toISOString()},${open.toFixed(5)},${(Math.max(open, price) + 0.0002).toFixed(5)},${(Math.min(open, price) - 0.0002).toFixed(5)},${price.toFixed(5)},${(i % 97) + 1}\n`
        : `${t / 1000},${price.toFixed(2)}\n`;
    if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(r));
}

function duBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += duBytes(p);
    else if (entry.isFile()) total += fs.statSync(p).size;
  }
  return total;
}

/** Peak RSS over an interval, sampled every 50 ms. */
function rssSampler() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  return { stop: () => (clearInterval(timer), Math.max(peak, process.memoryUsage().rss)) };
}

/**
 * Times GET requests at a fixed pace while an import runs, from a child process (in this
 * process the probe would stall with the event loop it is meant to observe); reports the
 * slowest of each.
 */
const PROBE_SCRIPT = `
const [base, every] = [process.argv[1], Number(process.argv[2])];
const worst = { '/api/v1/models': 0, '/health/live': 0 };
const inFlight = new Set();
let stopped = false;
const tick = () => {
  if (stopped) return;
  for (const p of Object.keys(worst)) {
    const started = performance.now();
    const req = fetch(base + p).then((r) => r.arrayBuffer()).catch(() => undefined).then(() => { worst[p] = Math.max(worst[p], performance.now() - started); inFlight.delete(req); });
    inFlight.add(req);
  }
  setTimeout(tick, every);
};
tick();
process.stdout.on('error', () => process.exit(0));
process.stdin.on('end', async () => { stopped = true; await Promise.all(inFlight); process.stdout.write(JSON.stringify({ models_ms: Math.round(worst['/api/v1/models']), health_live_ms: Math.round(worst['/health/live']) })); });
process.stdin.resume();
`;

function requestProbe(base: string, everyMs: number) {
  if (everyMs <= 0) return { stop: async () => null };
  const child = spawn(process.execPath, ['-e', PROBE_SCRIPT, base, String(everyMs)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return {
    stop: async (): Promise<{ models_ms: number; health_live_ms: number } | null> => {
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin.end();
      await exited;
      return out ? JSON.parse(out) : null;
    },
  };
}

async function main() {
  const rows = Number(process.env.ROWS ?? 1_000_000);
  const format = (process.env.FORMAT ?? 'ohlcv-iso') as Format;
  const reimport = process.env.REIMPORT !== 'false';
  const probeMs = Number(process.env.PROBE_MS ?? 500);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-bench-import-'));
  const csvPath = path.join(dir, 'bars.csv');
  await writeCsv(csvPath, rows, format);
  const bytes = fs.statSync(csvPath).size;

  const config = AppConfig.fromEnv({
    MODEL_REGISTRY_PATH: dir,
    LOG_LEVEL: 'ERROR',
    DEMO_DATA: 'false',
    RATE_LIMIT_PER_MINUTE: '0',
    MARKET_DATA_IMPORT_MAX_BYTES: String(Math.max(268_435_456, bytes + 1)),
    ...(process.env.BENCH_DATABASE_URL ? { DATABASE_URL: process.env.BENCH_DATABASE_URL } : {}),
  });
  const app = await createApp(config, { logger: createRootLogger('ERROR') });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.getHttpServer().address() as { port: number }).port;
  const base = `http://127.0.0.1:${port}`;
  const dataDirBefore = config.usesEmbeddedDatabase ? duBytes(config.embeddedDataDir) : 0;
  const upload = async () => {
    const rss = rssSampler();
    const probe = requestProbe(base, probeMs);
    const started = process.hrtime.bigint();
    // node:http, not fetch: fetch gives up after 300 s without response headers, and a
    // large import on the embedded database takes longer than that.
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        `${base}/api/v1/market-data/import?symbol=EUR/USD&timeframe=1m`,
        { method: 'POST', headers: { 'content-type': 'text/csv' } },
        (r) => {
          let text = '';
          r.setEncoding('utf8');
          r.on('data', (d) => (text += d));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      fs.createReadStream(csvPath).pipe(req);
    });
    const body = JSON.parse(res.text) as { inserted: number; updated: number; rejected_total: number };
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const peakRss = rss.stop();
    const waited = await probe.stop();
    if (res.status !== 200) throw new Error(`import failed: ${res.status} ${JSON.stringify(body)}`);
    return { seconds, body, peak_rss_mib: Math.round(peakRss / 2 ** 20), waited };
  };
  console.log(machineLine());
  console.log(
    `database: ${config.usesEmbeddedDatabase ? 'embedded PGlite' : 'PostgreSQL'}; file: ${rows} rows (${format}), ${(bytes / 1e6).toFixed(1)} MB`,
  );
  const idleRss = process.memoryUsage().rss;
  const first = await upload();
  const growth = config.usesEmbeddedDatabase ? duBytes(config.embeddedDataDir) - dataDirBefore : null;
  console.log(
    `first import:  ${first.seconds.toFixed(1)} s, ${Math.round(rows / first.seconds)} rows/s (inserted ${first.body.inserted}, rejected ${first.body.rejected_total}), ` +
      `peak RSS ${first.peak_rss_mib} MiB (idle ${Math.round(idleRss / 2 ** 20)} MiB), slowest GET /models ${first.waited?.models_ms ?? '–'} ms, /health/live ${first.waited?.health_live_ms ?? '–'} ms` +
      (growth === null
        ? ''
        : `, data directory +${(growth / 2 ** 20).toFixed(0)} MiB (${Math.round(growth / rows)} bytes/bar)`),
  );
  const again = reimport ? await upload() : null;
  if (again) {
    console.log(
      `re-import:     ${again.seconds.toFixed(1)} s, ${Math.round(rows / again.seconds)} rows/s (inserted ${again.body.inserted}, updated ${again.body.updated}), peak RSS ${again.peak_rss_mib} MiB`,
    );
  }
  await app.close();
  if (process.env.BENCH_DATABASE_URL) {
    const { Client } = await import('pg');
    const c = new Client({ connectionString: process.env.BENCH_DATABASE_URL });
    await c.connect();
    await c.query(`DELETE FROM market_bars WHERE symbol = 'EUR/USD' AND timeframe = '1m'`);
    await c.end();
  }
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      bench: 'import',
      database: config.usesEmbeddedDatabase ? 'embedded' : 'postgres',
      rows,
      format,
      file_mb: Math.round(bytes / 1e5) / 10,
      first: {
        seconds: Math.round(first.seconds * 10) / 10,
        rows_per_s: Math.round(rows / first.seconds),
        peak_rss_mib: first.peak_rss_mib,
        slowest_wait_ms: first.waited,
      },
      reimport: again && {
        seconds: Math.round(again.seconds * 10) / 10,
        rows_per_s: Math.round(rows / again.seconds),
        peak_rss_mib: again.peak_rss_mib,
      },
      idle_rss_mib: Math.round(idleRss / 2 ** 20),
      max_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
      data_dir_bytes_per_bar: growth === null ? null : Math.round(growth / rows),
    }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
