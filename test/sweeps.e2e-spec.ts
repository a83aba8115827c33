import { importDaily } from './support/jobs';
import { dailyCsv, randomWalk } from './support/series';
import { startTestApp, type TestApp } from './support/test-app';
import { DAILY_TIME_SERIES_REQUEST } from './support/train-request';

const base = {
  ...DAILY_TIME_SERIES_REQUEST,
  name: 'Sweep LSTM',
  architecture: 'lstm',
  symbols: ['EUR/USD'],
  hyperparameters: { epochs: 2, batch_size: 64 },
};
const gridSweep = {
  name: 'units x learning rate',
  base,
  space: {
    'hyperparameters.units': { type: 'choice', values: [4, 8] },
    'hyperparameters.learning_rate': { type: 'float', min: 0.001, max: 0.01, log: true, steps: 2 },
  },
  strategy: 'grid',
  parallelism: 2,
  objective: { metric: 'val_loss', direction: 'minimize' },
  seed: 1,
  early_stopping: { rule: 'none' },
};

async function waitForSweep(
  t: TestApp,
  id: string,
  done: string[] = ['succeeded', 'failed', 'cancelled'],
  timeoutMs = 120_000,
): Promise<any> {
  const started = Date.now();
  for (;;) {
    const sweep = await (await t.fetch(`/api/v1/sweeps/${id}`)).json();
    if (done.includes(sweep.status)) return sweep;
    if (Date.now() - started > timeoutMs)
      throw new Error(`sweep ${id} still ${sweep.status}: ${JSON.stringify(sweep)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('hyperparameter sweeps through HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ MAX_TRAINING_MEMORY: '8', TRAINING_CONCURRENCY: '2' });
    await importDaily(t, 'EUR/USD', dailyCsv(randomWalk(1600, 11)));
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (body: unknown) => t.fetch('/api/v1/sweeps', { method: 'POST', json: body });

  it('a grid sweep of 4 trials: child runs judged on validation only, at most `parallelism` at once, the winner alone scored on test and registered naming the sweep', async () => {
    const res = await post(gridSweep);
    expect(res.status).toBe(202);
    const accepted = await res.json();
    expect(accepted).toEqual({
      id: expect.any(String),
      status: 'running',
      parent_run_id: expect.any(String),
      planned_trials: 4,
    });

    const sweep = await waitForSweep(t, accepted.id);
    expect(sweep).toMatchObject({
      status: 'succeeded',
      strategy: 'grid',
      parent_run_id: accepted.parent_run_id,
      planned_trials: 4,
      eta_seconds: 0,
      error: null,
    });
    expect(sweep.trials.map((tr: any) => tr.params)).toEqual([
      { 'hyperparameters.learning_rate': 0.001, 'hyperparameters.units': 4 },
      { 'hyperparameters.learning_rate': 0.001, 'hyperparameters.units': 8 },
      { 'hyperparameters.learning_rate': 0.01, 'hyperparameters.units': 4 },
      { 'hyperparameters.learning_rate': 0.01, 'hyperparameters.units': 8 },
    ]);
    for (const trial of sweep.trials)
      expect(trial).toMatchObject({
        status: 'succeeded',
        run_id: expect.any(String),
        job_id: expect.any(String),
        objective: expect.any(Number),
        epochs: 2,
      });

    const winner = [...sweep.trials].sort((a: any, b: any) => a.objective - b.objective)[0];
    expect(sweep.best).toMatchObject({
      trial: winner.index,
      params: winner.params,
      objective: winner.objective,
      model_id: 'sweep_lstm',
      version: '1.0.0',
      status: 'registered',
    });

    // Trials are child runs of the parent, with validation metrics only.
    for (const trial of sweep.trials) {
      const run = await (await t.fetch(`/api/v1/runs/${trial.run_id}`)).json();
      expect(run.tags).toMatchObject({
        'mlflow.parentRunId': accepted.parent_run_id,
        sweep_id: accepted.id,
        sweep_trial: String(trial.index),
      });
      expect(run.status).toBe('FINISHED');
      expect(run.metrics.val_loss).toBeCloseTo(trial.objective, 10);
      expect(run.metrics).not.toHaveProperty('mse');
      expect(run.model_version).toBeNull();
    }
    const parent = await (await t.fetch(`/api/v1/runs/${accepted.parent_run_id}`)).json();
    expect(parent).toMatchObject({
      status: 'FINISHED',
      tags: { sweep_id: accepted.id, best_model_id: 'sweep_lstm', best_model_version: '1.0.0' },
    });
    expect(parent.metrics.best_val_loss).toBeCloseTo(winner.objective, 10);

    // At most 2 trials ran at once.
    const jobs = await Promise.all(
      sweep.trials.map(async (tr: any) => (await t.fetch(`/api/v1/training/jobs/${tr.job_id}`)).json()),
    );
    // The most running at one instant (a sweep over start/finish events; ends before starts at a tie).
    // Counting the jobs that overlap one job is not that: a long trial can overlap two short ones
    // that ran one after the other.
    const events = jobs
      .flatMap((j) => [
        { at: Date.parse(j.started_at), d: 1 },
        { at: Date.parse(j.finished_at), d: -1 },
      ])
      .sort((a, b) => a.at - b.at || a.d - b.d);
    let running = 0;
    let most = 0;
    for (const e of events) most = Math.max(most, (running += e.d));
    expect(most).toBeLessThanOrEqual(2);

    // Only the winner became a version: scored on the test part, naming the sweep, its run a child too.
    const model = await (await t.fetch('/api/v1/models/sweep_lstm')).json();
    expect(model.versions.map((v: any) => v.version)).toEqual(['1.0.0']);
    const version = await (await t.fetch('/api/v1/models/sweep_lstm/versions/1.0.0')).json();
    expect(version.status).toBe('experimental');
    expect(version.data_config.sweep_id).toBe(accepted.id);
    expect(version.hyperparameters).toMatchObject({
      units: winner.params['hyperparameters.units'],
      learning_rate: winner.params['hyperparameters.learning_rate'],
    });
    expect(typeof version.metrics.mse).toBe('number');
    const finalRun = await (await t.fetch(`/api/v1/runs/${sweep.best.run_id}`)).json();
    expect(finalRun.tags).toMatchObject({ 'mlflow.parentRunId': accepted.parent_run_id, sweep_role: 'best' });
    // Same data, seed and parameters: the winner's retraining reaches the trial's validation loss.
    expect(finalRun.metrics.val_loss).toBeCloseTo(winner.objective, 6);

    const list = await (await t.fetch('/api/v1/sweeps')).json();
    expect(list.sweeps.map((s: any) => s.id)).toContain(accepted.id);
  });

  it('cancel stops queued and running trials; a second cancel is 409', async () => {
    const res = await post({
      ...gridSweep,
      name: 'to cancel',
      base: { ...base, name: 'Sweep cancel', hyperparameters: { epochs: 200, batch_size: 64 } },
      strategy: 'random',
      max_trials: 6,
      parallelism: 2,
      space: { 'hyperparameters.units': { type: 'int', min: 4, max: 8 } },
    });
    expect(res.status).toBe(202);
    const { id, parent_run_id } = await res.json();
    const cancel = await t.fetch(`/api/v1/sweeps/${id}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(202);
    expect((await cancel.json()).status).toBe('cancelled');
    const started = Date.now();
    let sweep: any;
    for (;;) {
      sweep = await (await t.fetch(`/api/v1/sweeps/${id}`)).json();
      const jobs = await Promise.all(
        sweep.trials.map(async (tr: any) => (await t.fetch(`/api/v1/training/jobs/${tr.job_id}`)).json()),
      );
      if (jobs.every((j) => ['cancelled', 'succeeded', 'failed'].includes(j.status))) {
        expect(jobs.map((j) => j.status)).toEqual(jobs.map(() => 'cancelled'));
        break;
      }
      if (Date.now() - started > 60_000) throw new Error(`trial jobs still running: ${JSON.stringify(jobs)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(sweep.status).toBe('cancelled');
    expect(sweep.trials.length).toBe(2);
    for (const trial of sweep.trials) expect(trial.status).toBe('cancelled');
    expect((await (await t.fetch(`/api/v1/runs/${parent_run_id}`)).json()).status).toBe('KILLED');
    const again = await t.fetch(`/api/v1/sweeps/${id}/cancel`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect((await again.json()).error_code).toBe('SWEEP_FINISHED');
  });

  it.each([
    ['an empty space', { space: {} }, 'EMPTY_SEARCH_SPACE'],
    ['a test metric objective', { objective: { metric: 'sharpe', direction: 'maximize' } }, 'OBJECTIVE_NOT_VALIDATION'],
    ['a budget of 0', { max_trials: 0 }, 'VALIDATION_FAILED'],
    [
      'a continuous float range on a grid',
      { space: { 'hyperparameters.learning_rate': { type: 'float', min: 0.001, max: 0.01 } } },
      'INFINITE_SEARCH_SPACE',
    ],
    [
      'a value the train request refuses',
      { space: { 'hyperparameters.units': { type: 'choice', values: [0, 8] } } },
      'INVALID_SEARCH_SPACE',
    ],
    ['an invalid base request', { base: { ...base, target: 'Not A Target!' } }, 'VALIDATION_FAILED'],
    ['an unknown strategy', { strategy: 'bayes' }, 'VALIDATION_FAILED'],
  ])('422 for %s, and nothing is stored', async (_what, change, code) => {
    const before = (await (await t.fetch('/api/v1/sweeps')).json()).total;
    const res = await post({ ...gridSweep, ...change });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body).toMatchObject({
      error_type: 'DataValidationError',
      error_code: code,
      correlation_id: expect.any(String),
    });
    expect((await (await t.fetch('/api/v1/sweeps')).json()).total).toBe(before);
  });

  it('422 for an infinite range (1e999 in the JSON), and for a base with no data behind it (nothing stored)', async () => {
    const raw = JSON.stringify({
      ...gridSweep,
      strategy: 'random',
      space: { 'hyperparameters.learning_rate': { type: 'float', min: 0.001, max: 1 } },
    }).replace('"max":1', '"max":1e999');
    const inf = await t.fetch('/api/v1/sweeps', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: raw,
    });
    expect(inf.status).toBe(422);
    expect((await inf.json()).error_code).toBe('INFINITE_SEARCH_SPACE');

    const before = (await (await t.fetch('/api/v1/sweeps')).json()).total;
    const noData = await post({ ...gridSweep, base: { ...base, symbols: ['USD/JPY'] } });
    expect(noData.status).toBe(422);
    expect((await (await t.fetch('/api/v1/sweeps')).json()).total).toBe(before);
  });

  it('404 for a sweep that does not exist', async () => {
    const res = await t.fetch('/api/v1/sweeps/00000000-0000-0000-0000-000000000000');
    expect(res.status).toBe(404);
    expect((await res.json()).error_code).toBe('SWEEP_NOT_FOUND');
  });
});
