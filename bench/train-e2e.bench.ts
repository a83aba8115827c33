/**
 * The README's example training request on the demo data (Fed H.10 daily EUR/USD and
 * GBP/USD), end to end through HTTP on a fresh embedded database: submit, train, evaluate,
 * register. Prints the wall time and the job's outcome.   npm run bench:train:e2e
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createApp } from '../src/app.factory';
import { createRootLogger } from '../src/common/logging/logger';
import { AppConfig } from '../src/config/app-config';
import { machineLine } from './machine';

export const README_EXAMPLE = {
  name: 'LSTM Price Predictor',
  model_type: 'time_series',
  features: ['sma_20', 'rsi_14', 'macd', 'bb_width'],
  target: 'price_change_1d',
  symbols: ['EUR/USD', 'GBP/USD'],
  start_date: '2015-01-01T00:00:00Z',
  end_date: '2024-12-31T00:00:00Z',
  timeframe: '1d',
  hyperparameters: { lstm_units: 32, dropout: 0.2, learning_rate: 0.001, batch_size: 32, epochs: 10 },
  validation_split: 0.2,
};

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-bench-train-'));
  const app = await createApp(AppConfig.fromEnv({ MODEL_REGISTRY_PATH: dir, LOG_LEVEL: 'ERROR', DEMO_DATA: 'true' }), {
    logger: createRootLogger('ERROR'),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  const started = performance.now();
  const accepted = (await (
    await fetch(`${url}/api/v1/models/train`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(README_EXAMPLE),
    })
  ).json()) as { job_id: string };
  let job: { status: string; backend: string; progress: { epoch: number }; error: string | null } | undefined;
  for (;;) {
    job = (await (await fetch(`${url}/api/v1/training/jobs/${accepted.job_id}`)).json()) as typeof job;
    if (['succeeded', 'failed', 'cancelled'].includes(job!.status)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const seconds = (performance.now() - started) / 1000;
  const version = (await (await fetch(`${url}/api/v1/models/lstm_price_predictor/versions/1.0.0`)).json()) as {
    metrics: Record<string, number>;
    baselines: Record<string, { mse: number }>;
  };
  console.log(machineLine());
  console.log(
    `README example (LSTM(32), 2 symbols, daily 2015–2024, ≤10 epochs): ${job!.status} in ${seconds.toFixed(1)} s on ${job!.backend}, ${job!.progress.epoch} epochs${job!.error ? `, error: ${job!.error}` : ''}`,
  );
  console.log(
    `test mse ${version.metrics.mse?.toExponential(3)} vs naive_zero ${version.baselines.naive_zero?.mse.toExponential(3)}, ridge ${version.baselines.ridge?.mse.toExponential(3)}; directional accuracy ${version.metrics.directional_accuracy?.toFixed(3)}`,
  );
  await app.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
