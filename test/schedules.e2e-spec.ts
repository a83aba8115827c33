import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SCHEDULE_QUEUE } from '../src/schedules/schedule-queue';
import { TrainingQueue } from '../src/training/queue/training-queue';
import { importDaily, waitForJob } from './support/jobs';
import { dailyCsv, randomWalk } from './support/series';
import { startTestApp, type TestApp } from './support/test-app';
import { createScratchDatabase, testDatabaseUrl } from './support/test-database';
import { DAILY_TIME_SERIES_REQUEST } from './support/train-request';

const DAY = 86_400_000;
const BARS = 1600;
const FIRST_BAR = Date.parse('2000-01-03T00:00:00Z');
const LATEST_BAR = new Date(FIRST_BAR + (BARS - 1) * DAY).toISOString();
const MODEL = 'sched_lstm';
const ZERO = '00000000-0000-0000-0000-000000000000';

const rolling = { kind: 'rolling', length: '365d' };
const weekdayMornings = {
  cron: '0 6 * * 1-5',
  timezone: 'Europe/London',
  window: rolling,
  base: { hyperparameters: { epochs: 2 } },
};

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 120_000,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** London wall-clock parts of an instant. */
function london(iso: string): { weekday: string; hour: string; minute: string } {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/London',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return { weekday: get('weekday'), hour: get('hour'), minute: get('minute') };
}

describe('scheduled retraining through HTTP', () => {
  let t: TestApp;
  let env: Record<string, string>;
  let registry: string;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  let cronScheduleId: string;

  const boss = () => t.app.get(TrainingQueue).pgBoss!;
  const registered = async () =>
    (await boss().getSchedules(SCHEDULE_QUEUE)).map((s) => ({
      key: s.key,
      cron: s.cron,
      timezone: s.timezone,
      data: s.data,
    }));
  const schedule = async (id: string) => (await t.fetch(`/api/v1/schedules/${id}`)).json();
  const create = (body: unknown, model = MODEL) =>
    t.fetch(`/api/v1/models/${model}/schedules`, { method: 'POST', json: body });
  const runNow = (id: string) => t.fetch(`/api/v1/schedules/${id}/run`, { method: 'POST' });
  const finalRun = (id: string, pick: (r: any) => boolean) =>
    until(`a finished run of schedule ${id}`, async () =>
      (await schedule(id)).runs.find(
        (r: any) => pick(r) && ['succeeded', 'failed', 'cancelled', 'skipped'].includes(r.status),
      ),
    );

  beforeAll(async () => {
    // Its own registry and database (not startTestApp's), so the suite can restart the service on them.
    registry = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-schedules-'));
    const admin = testDatabaseUrl();
    scratch = admin ? await createScratchDatabase(admin) : undefined;
    env = {
      MODEL_REGISTRY_PATH: registry,
      MAX_TRAINING_MEMORY: '8',
      TRAINING_CONCURRENCY: '2',
      WORKER_DRAIN_SECONDS: '2',
      ...(scratch ? { DATABASE_URL: scratch.url, DATABASE_POOL_SIZE: '5' } : {}),
    };
    t = await startTestApp(env);
    await importDaily(t, 'EUR/USD', dailyCsv(randomWalk(BARS, 5)));
    const res = await t.fetch('/api/v1/models/train', {
      method: 'POST',
      json: {
        ...DAILY_TIME_SERIES_REQUEST,
        name: 'Sched LSTM',
        experiment: 'retraining',
        architecture: 'lstm',
        symbols: ['EUR/USD'],
        hyperparameters: { units: 4, epochs: 2, batch_size: 64 },
      },
    });
    const job = await waitForJob(t, (await res.json()).job_id);
    if (job.status !== 'succeeded') throw new Error(`base training ${job.status}: ${job.error}`);
    // Every minute: pg-boss's cron pass (every 30 s) fires it while the other tests run; checked near the end.
    const cron = await create({
      cron: '* * * * *',
      timezone: 'UTC',
      window: rolling,
      base: { hyperparameters: { epochs: 1 } },
    });
    cronScheduleId = (await cron.json()).id;
  }, 180_000);

  afterAll(async () => {
    await t?.close();
    await scratch?.drop();
    if (registry) fs.rmSync(registry, { recursive: true, force: true });
  });

  let mornings: any;

  it('create → 201: the base request from the latest version, the next run in its time zone, registered with pg-boss', async () => {
    const res = await create({ ...weekdayMornings, on_success: 'deploy_if_better' });
    expect(res.status).toBe(201);
    mornings = await res.json();
    expect(mornings).toMatchObject({
      model_id: MODEL,
      cron: '0 6 * * 1-5',
      timezone: 'Europe/London',
      window: rolling,
      on_success: 'deploy_if_better',
      compare_on: { metric: 'val_loss', direction: 'minimize' },
      paused: false,
      runs: [],
    });
    expect(mornings.base).toMatchObject({
      name: 'Sched LSTM',
      model_id: MODEL,
      model_type: 'time_series',
      architecture: 'lstm',
      features: DAILY_TIME_SERIES_REQUEST.features,
      target: 'price_change_1d',
      symbols: ['EUR/USD'],
      timeframe: '1d',
      window: 10,
      seed: 7,
      experiment: 'retraining',
      hyperparameters: { units: 4, batch_size: 64, epochs: 2 },
    });
    expect(mornings.base).not.toHaveProperty('start_date');
    // 06:00 London on a weekday, in the next four days.
    const next = mornings.next_run_at;
    expect(Date.parse(next)).toBeGreaterThan(Date.now());
    expect(Date.parse(next) - Date.now()).toBeLessThan(4 * DAY);
    expect(london(next)).toMatchObject({ hour: '06', minute: '00' });
    expect(['Mon', 'Tue', 'Wed', 'Thu', 'Fri']).toContain(london(next).weekday);

    expect(await registered()).toContainEqual({
      key: mornings.id,
      cron: '0 6 * * 1-5',
      timezone: 'Europe/London',
      data: { schedule_id: mornings.id },
    });
    expect(await schedule(mornings.id)).toEqual(mornings);
    const list = await (await t.fetch(`/api/v1/models/${MODEL}/schedules`)).json();
    expect(list.schedules.map((s: any) => s.id)).toEqual([cronScheduleId, mornings.id]);
    expect(list.schedules[0]).toMatchObject({
      cron: '* * * * *',
      timezone: 'UTC',
      on_success: 'register',
      compare_on: null,
    }); // the defaults
  });

  it('run now: 202 with the job, trained on the window ending at the latest bar, a version naming the schedule; deploy_if_better replaces the active deployment only where val_loss is lower', async () => {
    const deployed = await t.fetch(`/api/v1/models/${MODEL}/deploy`, {
      method: 'POST',
      json: { version: '1.0.0', deployment_target: 'strategy_engine', scaling_factor: 2 },
    });
    expect(deployed.status).toBe(201);
    const res = await runNow(mornings.id);
    expect(res.status).toBe(202);
    const accepted = await res.json();
    const start = new Date(Date.parse(LATEST_BAR) - 365 * DAY).toISOString();
    expect(accepted).toMatchObject({
      schedule_id: mornings.id,
      model_id: MODEL,
      job_id: expect.any(String),
      run_id: expect.any(String),
      window: { start_date: start, end_date: LATEST_BAR },
    });
    const job = await waitForJob(t, accepted.job_id);
    expect(job.status).toBe('succeeded');
    const version = await (await t.fetch(`/api/v1/models/${MODEL}/versions/${accepted.version}`)).json();
    expect(version.data_config).toMatchObject({ schedule_id: mornings.id, start_date: start, end_date: LATEST_BAR });
    expect(version.hyperparameters).toMatchObject({ units: 4, epochs: 2 });
    const trainingRun = await (await t.fetch(`/api/v1/runs/${job.run_id}`)).json();
    expect(trainingRun.tags).toMatchObject({ schedule_id: mornings.id, model_version: accepted.version });
    const experiment = await (await t.fetch(`/api/v1/experiments/${trainingRun.experiment_id}`)).json();
    expect(experiment.name).toBe('retraining'); // where the version it copies was recorded

    const run = await finalRun(mornings.id, (r) => r.id === accepted.run_id);
    expect(run).toMatchObject({
      trigger: 'manual',
      status: 'succeeded',
      job_id: accepted.job_id,
      version: accepted.version,
      window: { start_date: start, end_date: LATEST_BAR },
    });
    // The new version's value is the lowest of its run's val_loss curve; the active one's likewise.
    const curve = (await (await t.fetch(`/api/v1/runs/${job.run_id}/metrics/val_loss`)).json()).history.map(
      (h: any) => h.value,
    );
    expect(run.comparison).toMatchObject({
      metric: 'val_loss',
      direction: 'minimize',
      new: { version: accepted.version, value: expect.any(Number) },
    });
    expect(run.comparison.new.value).toBeCloseTo(Math.min(...curve), 6);
    const [target] = run.comparison.targets;
    expect(target).toMatchObject({
      target: 'strategy_engine',
      active_version: '1.0.0',
      active_value: expect.any(Number),
    });
    const better = run.comparison.new.value < target.active_value;
    expect(run.outcome).toBe(better ? 'deployed' : 'not_deployed');
    expect(target.deployed).toBe(better);
    expect(run.reason).toContain(`val_loss of ${accepted.version} is`);
    const active = (await (await t.fetch(`/api/v1/deployments?model_id=${MODEL}&status=active`)).json()).deployments;
    expect(active).toEqual([
      expect.objectContaining({
        target: 'strategy_engine',
        version: better ? accepted.version : '1.0.0',
        scaling_factor: 2,
      }),
    ]);
    for (const d of active) await t.fetch(`/api/v1/deployments/${d.id}/undeploy`, { method: 'POST' });
  });

  it('on_success shadow: without an active deployment the run records the skip; with one, the new version becomes its shadow challenger and the run records where', async () => {
    const created = await create({
      ...weekdayMornings,
      base: { hyperparameters: { epochs: 1 } },
      on_success: 'shadow',
    });
    expect(created.status).toBe(201);
    const s = await created.json();
    expect(s).toMatchObject({ on_success: 'shadow', compare_on: null });

    // The previous test undeployed everything: the version is only registered, and the run says why.
    const first = await (await runNow(s.id)).json();
    const skipped = await finalRun(s.id, (r) => r.id === first.run_id);
    expect(skipped).toMatchObject({
      status: 'succeeded',
      outcome: 'registered',
      version: first.version,
      comparison: { mode: 'shadow', version: first.version, targets: [] },
    });
    expect(skipped.reason).toContain('shadow: skipped, no active deployment');

    const deployed = await t.fetch(`/api/v1/models/${MODEL}/deploy`, {
      method: 'POST',
      json: { version: '1.0.0', deployment_target: 'strategy_engine', scaling_factor: 2 },
    });
    expect(deployed.status).toBe(201);
    const active = await deployed.json();
    const res = await runNow(s.id);
    expect(res.status).toBe(202);
    const accepted = await res.json();
    const run = await finalRun(s.id, (r) => r.id === accepted.run_id);
    expect(run).toMatchObject({
      status: 'succeeded',
      outcome: 'shadowed',
      version: accepted.version,
      comparison: {
        mode: 'shadow',
        version: accepted.version,
        targets: [
          {
            target: 'strategy_engine',
            deployment_id: active.id,
            active_version: '1.0.0',
            replaced_challenger: null,
            shadowed: true,
          },
        ],
      },
    });
    expect(run.reason).toContain(`${accepted.version} deployed as the shadow challenger on strategy_engine`);
    // The active version still answers; the new one is its shadow challenger (as a deploy with "mode": "shadow").
    const after = await (await t.fetch(`/api/v1/deployments/${active.id}`)).json();
    expect(after).toMatchObject({
      id: active.id,
      status: 'active',
      version: '1.0.0',
      scaling_factor: 2,
      challenger: { version: accepted.version, mode: 'shadow', canary_share: null, since: expect.any(String) },
    });
    await t.fetch(`/api/v1/deployments/${active.id}/undeploy`, { method: 'POST' });
    await t.fetch(`/api/v1/schedules/${s.id}`, { method: 'DELETE' });
  }, 120_000);

  it('overlap: one occurrence delivered twice at once (on PostgreSQL to two replicas) starts one run, the other is skipped with the reason; run now meanwhile is a 409', async () => {
    // Where pg-boss forwards an occurrence twice (its send-it job retried after a crash), both
    // jobs reach workers; on PostgreSQL a second process shares the queue, so the two may be taken
    // by different replicas at the same moment. The unique active-run claim lets one through.
    const second = t.config.usesEmbeddedDatabase ? undefined : await startTestApp({ ...env, SERVICE_ROLE: 'worker' });
    try {
      // A long training, so that the first run is certainly still going while the others arrive.
      const s = await (
        await create({ ...weekdayMornings, base: { hyperparameters: { epochs: 1000, early_stopping_patience: 1000 } } })
      ).json();
      // What pg-boss's cron pass forwards for an occurrence: a job on the schedule queue naming the schedule.
      await Promise.all([
        boss().send(SCHEDULE_QUEUE, { schedule_id: s.id }),
        boss().send(SCHEDULE_QUEUE, { schedule_id: s.id }),
      ]);
      let seen: unknown;
      const runs = await until(
        'both deliveries handled, one job queued',
        async () => {
          const rs = (seen = (await schedule(s.id)).runs);
          return rs.length === 2 && rs.some((r: any) => r.status === 'skipped') && rs.some((r: any) => r.job_id) && rs;
        },
        60_000,
      ).catch((e: Error) => {
        throw new Error(`${e.message}: ${JSON.stringify(seen)}`);
      });
      const started = runs.filter((r: any) => r.status !== 'skipped');
      expect(started).toHaveLength(1);
      const { job_id } = started[0];
      const skipped = runs.find((r: any) => r.status === 'skipped');
      expect(skipped).toMatchObject({ trigger: 'cron', outcome: 'skipped', job_id: null, version: null });
      // The second delivery may come while the first is still queueing its job (another replica, the same instant).
      expect([
        `overlap: the previous run (cron, job ${job_id}) is still queued or running`,
        'overlap: the previous run (cron, job being queued) is still being queued',
      ]).toContain(skipped.reason);

      const again = await runNow(s.id);
      expect(again.status).toBe(409);
      expect(await again.json()).toMatchObject({
        error_code: 'SCHEDULE_RUN_IN_PROGRESS',
        details: { schedule_id: s.id, job_id },
      });
      // One training job for the schedule, whichever replica took which delivery.
      const jobs = (await (await t.fetch(`/api/v1/training/jobs?model_id=${MODEL}&limit=500`)).json()).jobs;
      const ofSchedule = await Promise.all(
        jobs.map(
          async (j: any) =>
            (await (await t.fetch(`/api/v1/models/${MODEL}/versions/${j.version}`)).json()).data_config.schedule_id,
        ),
      );
      expect(ofSchedule.filter((id) => id === s.id)).toHaveLength(1);

      expect((await t.fetch(`/api/v1/training/jobs/${job_id}/cancel`, { method: 'POST' })).status).toBe(202);
      expect(await finalRun(s.id, (r) => r.job_id === job_id)).toMatchObject({
        status: 'cancelled',
        outcome: 'cancelled',
      });
      expect((await schedule(s.id)).runs).toHaveLength(2); // the 409 recorded nothing
      await t.fetch(`/api/v1/schedules/${s.id}`, { method: 'DELETE' });
    } finally {
      await second?.close();
    }
  }, 120_000);
  it('pause removes it from pg-boss (no next run), resume registers it again, delete removes both', async () => {
    const paused = await t.fetch(`/api/v1/schedules/${mornings.id}`, { method: 'PATCH', json: { paused: true } });
    expect(paused.status).toBe(200);
    expect(await paused.json()).toMatchObject({ paused: true, next_run_at: null });
    expect((await registered()).map((r) => r.key)).not.toContain(mornings.id);
    const resumed = await (
      await t.fetch(`/api/v1/schedules/${mornings.id}`, { method: 'PATCH', json: { paused: false } })
    ).json();
    expect(resumed).toMatchObject({ paused: false, next_run_at: mornings.next_run_at });
    expect((await registered()).map((r) => r.key)).toContain(mornings.id);

    const doomed = await (await create(weekdayMornings)).json();
    expect((await registered()).map((r) => r.key)).toContain(doomed.id);
    expect((await t.fetch(`/api/v1/schedules/${doomed.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.fetch(`/api/v1/schedules/${doomed.id}`)).status).toBe(404);
    expect((await registered()).map((r) => r.key)).not.toContain(doomed.id);
  });

  it('survives a restart: schedules are kept, and registered with pg-boss again at start (a lost row comes back, a paused one stays out)', async () => {
    const pausedOne = await (await create({ ...weekdayMornings, paused: true })).json();
    expect(pausedOne).toMatchObject({ paused: true, next_run_at: null });
    await boss().unschedule(SCHEDULE_QUEUE, mornings.id); // pg-boss's row lost
    await t.close();
    t = await startTestApp(env);
    expect(await schedule(mornings.id)).toMatchObject({
      id: mornings.id,
      paused: false,
      next_run_at: mornings.next_run_at,
    });
    const keys = (await registered()).map((r) => r.key);
    expect(keys).toContain(mornings.id);
    expect(keys).toContain(cronScheduleId);
    expect(keys).not.toContain(pausedOne.id);
    await t.fetch(`/api/v1/schedules/${pausedOne.id}`, { method: 'DELETE' });
  }, 120_000);

  it.each([
    ['an invalid cron expression', { cron: 'not a cron' }, 'INVALID_CRON', 'cron'],
    ['an out-of-range cron field', { cron: '61 * * * *' }, 'INVALID_CRON', 'cron'],
    ['a six-field (seconds) cron', { cron: '0 0 6 * * *' }, 'INVALID_CRON', 'cron'],
    ['an unknown time zone', { timezone: 'Mars/Olympus' }, 'UNKNOWN_TIME_ZONE', 'timezone'],
    ['a malformed window length', { window: { kind: 'rolling', length: 'a year' } }, 'INVALID_WINDOW', 'window.length'],
    [
      'an expanding window starting after the latest bar',
      { window: { kind: 'expanding', start_date: '2030-01-01T00:00:00Z' } },
      'INVALID_WINDOW',
      'window.start_date',
    ],
    [
      'a rolling window with a start_date',
      { window: { kind: 'rolling', length: '365d', start_date: '2001-01-01T00:00:00Z' } },
      'INVALID_WINDOW',
      'window.start_date',
    ],
    ['an unknown window kind', { window: { kind: 'sliding', length: '365d' } }, 'VALIDATION_FAILED', 'window.kind'],
    ['a window too short to train on', { window: { kind: 'rolling', length: '3d' } }, 'INSUFFICIENT_DATA', undefined],
    ['dates in the base', { base: { start_date: '2001-01-01T00:00:00Z' } }, 'INVALID_SCHEDULE_BASE', 'base.start_date'],
    ['an invalid base field', { base: { target: 'Not A Target!' } }, 'VALIDATION_FAILED', 'base.target'],
  ])('422 for %s, and nothing is stored or registered', async (_what, change, code, field) => {
    const before = (await (await t.fetch(`/api/v1/models/${MODEL}/schedules`)).json()).total;
    const registeredBefore = (await registered()).length;
    const res = await create({ ...weekdayMornings, ...change });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body).toMatchObject({ error_code: code, message: expect.any(String), correlation_id: expect.any(String) });
    if (field) expect(body.details.fields.map((f: any) => f.field)).toContain(field);
    expect((await (await t.fetch(`/api/v1/models/${MODEL}/schedules`)).json()).total).toBe(before);
    expect((await registered()).length).toBe(registeredBefore);
  });

  it('404 for an unknown model or schedule', async () => {
    const noModel = await create(weekdayMornings, 'no_such_model');
    expect(noModel.status).toBe(404);
    expect((await noModel.json()).error_code).toBe('MODEL_NOT_FOUND');
    expect((await t.fetch('/api/v1/models/no_such_model/schedules')).status).toBe(404);
    for (const [method, suffix, json] of [
      ['GET', ''],
      ['PATCH', '', { paused: true }],
      ['DELETE', ''],
      ['POST', '/run'],
    ] as const) {
      const res = await t.fetch(`/api/v1/schedules/${ZERO}${suffix}`, { method, json });
      expect({ method, status: res.status, code: (await res.json()).error_code }).toEqual({
        method,
        status: 404,
        code: 'SCHEDULE_NOT_FOUND',
      });
    }
  });

  it("the every-minute schedule fired through pg-boss's own cron and registered a version naming it", async () => {
    const run = await finalRun(cronScheduleId, (r) => r.trigger === 'cron' && r.status !== 'skipped');
    expect(run).toMatchObject({
      status: 'succeeded',
      outcome: 'registered',
      version: expect.any(String),
      job_id: expect.any(String),
    });
    const version = await (await t.fetch(`/api/v1/models/${MODEL}/versions/${run.version}`)).json();
    expect(version.data_config.schedule_id).toBe(cronScheduleId);
    expect(version.hyperparameters.epochs).toBe(1);
    expect((await t.fetch(`/api/v1/schedules/${cronScheduleId}`, { method: 'DELETE' })).status).toBe(204);
  }, 150_000);

  it('an archived model: a new schedule is a 422, run now of an existing one a 409', async () => {
    // Whatever the every-minute schedule queued last has to end before the model can be archived.
    await until(
      'no training job left',
      async () =>
        (await (await t.fetch('/api/v1/training/jobs?status=queued')).json()).total +
          (await (await t.fetch('/api/v1/training/jobs?status=running')).json()).total ===
        0,
    );
    const archived = await t.fetch(`/api/v1/models/${MODEL}`, { method: 'DELETE' });
    expect(archived.status).toBe(200);
    const res = await create(weekdayMornings);
    expect(res.status).toBe(422);
    expect((await res.json()).error_code).toBe('MODEL_ARCHIVED');
    const run = await runNow(mornings.id);
    expect(run.status).toBe(409);
    expect((await run.json()).error_code).toBe('MODEL_ARCHIVED');
  });
});
