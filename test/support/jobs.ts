import type { TestApp } from './test-app';

/** Poll a training job until it reaches a final state (or the deadline passes). */
export async function waitForJob(t: TestApp, jobId: string, timeoutMs = 120_000): Promise<any> {
  const started = Date.now();
  for (;;) {
    const job = await (await t.fetch(`/api/v1/training/jobs/${jobId}`)).json();
    if (['succeeded', 'failed', 'cancelled'].includes(job.status)) return job;
    if (Date.now() - started > timeoutMs)
      throw new Error(`job ${jobId} still ${job.status} after ${timeoutMs} ms: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function importDaily(t: TestApp, symbol: string, csv: string): Promise<void> {
  return importBars(t, symbol, '1d', csv);
}

export async function importBars(t: TestApp, symbol: string, timeframe: string, csv: string): Promise<void> {
  const res = await t.fetch(`/api/v1/market-data/import?symbol=${encodeURIComponent(symbol)}&timeframe=${timeframe}`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv' },
    body: csv,
  });
  if (res.status !== 200) throw new Error(`import failed: ${res.status} ${await res.text()}`);
}
