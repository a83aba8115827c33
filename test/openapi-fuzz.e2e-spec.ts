import * as fc from 'fast-check';
import * as fs from 'node:fs';
import { DataSource } from 'typeorm';
import { MonitoringService } from '../src/deployment/monitoring/monitoring.service';
import { waitForJob } from './support/jobs';
import {
  type Case,
  type Context,
  deterministicCases,
  randomCaseArbitrary,
  toWire,
  validCase,
} from './support/openapi-fuzz/cases';
import { encodeBytes, WireClient, type WireResponse } from './support/openapi-fuzz/client';
import { StateFingerprinter } from './support/openapi-fuzz/fingerprint';
import { type OpenApiDoc, type Operation, operationsOf, validValue } from './support/openapi-fuzz/openapi';
import { FuzzRunner } from './support/openapi-fuzz/runner';
import { deepArray, deepObject, hugeNumberArray } from './support/openapi-fuzz/values';
import { dailyCsv, randomWalk } from './support/series';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Property-based fuzzing of every operation in the OpenAPI document (issue #8): bodies that
 * violate the documented schema (wrong types, missing fields, NaN/Infinity as strings and as
 * raw JSON tokens, 100 000-element arrays, 10 000 levels of nesting, odd unicode, prototype
 * keys), hostile path segments and query values (`../`, `%2e%2e%2f`, SQL, huge and negative
 * numbers, empty). Whatever arrives: never a 5xx, every 4xx the error envelope with
 * X-Correlation-ID, 401 without the key, and a request not answered 2xx changes nothing stored
 * (database tables and the artifact folder, fingerprinted around every non-GET request).
 *
 * Seeded: FUZZ_SEED (default below) picks the random cases, FUZZ_RUNS how many per operation.
 * Debugging aids: FUZZ_REPORT_FILE=<path> appends every problem found there; FUZZ_PROFILE=1
 * prints where the time went and every non-GET request that was answered 2xx.
 * The total number of requests is printed at the end ("openapi-fuzz: N requests …").
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261127);
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const API_KEY = 'fuzz-api-key-0123456789';

/** Starting bodies that reach deep into each handler but cannot start work we would have to wait for. */
function baseBodies(seed: Seeded): Record<string, unknown> {
  return {
    MarketDataController_import: 'timestamp,close\n',
    MarketDataController_resample: { symbol: 'EUR/USD', from_timeframe: '1h', to_timeframe: '4h' },
    FeaturesController_select: {
      symbols: ['EUR/USD'],
      timeframe: '1d',
      target: 'price_change_1d',
      candidates: ['returns_1', 'returns_5'],
      k: 1,
      start_date: '2000-01-01T00:00:00Z',
      end_date: '2000-04-01T00:00:00Z',
    },
    // A pair without bars: passes the DTO, then fails while the dataset is built (synchronously), so no job is ever queued.
    TrainingController_train: {
      name: 'fuzz never trained',
      model_type: 'time_series',
      architecture: 'lstm',
      symbols: ['ZZZ/YYY'],
      features: ['returns_1'],
      target: 'price_change_1d',
      start_date: '2000-01-01T00:00:00Z',
      end_date: '2001-06-01T00:00:00Z',
      timeframe: '1d',
      window: 5,
      hyperparameters: { units: 4, epochs: 1 },
    },
    // One window of the seeded model's own features, so that broken numbers reach the model itself.
    PredictionController_predict: {
      symbol: 'EUR/USD',
      timeframe: '1d',
      features: {
        returns_1: [0.001, -0.002, 0.0005, 0, 0.003],
        returns_5: [0.01, 0, -0.01, 0.002, 0.004],
        zscore_20: [0.5, -1.2, 0.3, 2.1, -0.4],
      },
    },
    DeploymentController_deploy: { version: '9.9.9', deployment_target: 'strategy_engine' },
    DeploymentController_rollback: { deployment_target: 'analysis_engine' },
    ExperimentsController_create: { name: 'fuzz experiment' },
    ExperimentsController_update: { tags: { fuzz: 'x' } },
    ExperimentsController_createRun: { name: 'fuzz run' },
    ExperimentsController_updateRun: { name: 'r1' },
    // A base request on a pair without bars: the sweep's first-trial check fails, nothing is stored or queued.
    SweepsController_create: {
      name: 'fuzz sweep',
      base: {
        name: 'fuzz never swept',
        model_type: 'time_series',
        architecture: 'lstm',
        symbols: ['ZZZ/YYY'],
        features: ['returns_1'],
        target: 'price_change_1d',
        start_date: '2000-01-01T00:00:00Z',
        end_date: '2001-06-01T00:00:00Z',
        timeframe: '1d',
        window: 5,
        hyperparameters: { units: 4, epochs: 1 },
      },
      space: { 'hyperparameters.units': { type: 'choice', values: [4, 8] } },
      strategy: 'grid',
      objective: { metric: 'val_loss' },
    },
    // An expanding window that starts a day before the seeded series ends: too little data, so nothing is stored or registered with the queue.
    SchedulesController_create: {
      cron: '0 6 * * 1-5',
      timezone: 'Europe/London',
      window: { kind: 'expanding', start_date: '2001-12-01T00:00:00Z' },
      base: { hyperparameters: { epochs: 1 } },
    },
    SchedulesController_update: { paused: true },
    ExperimentsController_finish: { status: 'FINISHED' },
    ExperimentsController_logParams: { params: { p: '1' } },
    ExperimentsController_logMetrics: { metrics: [{ key: 'loss', value: 0.25, step: 1 }] },
    ExperimentsController_setTags: { tags: { t: 'x' } },
    MlflowApiController_createRun: { experiment_id: seed.experimentId },
  };
}

interface Seeded {
  modelId: string;
  version: string;
  jobId: string;
  trainingRunId: string;
  experimentId: string;
  runId: string;
  finishRunId: string;
  deploymentId: string;
  artifactPath: string;
}

describe('fuzzing every OpenAPI operation', () => {
  let t: TestApp;
  let doc: OpenApiDoc;
  let ops: Operation[];
  let ctx: Context;
  let runner: FuzzRunner;
  let client: WireClient;
  let state: StateFingerprinter;
  let seed: Seeded;
  const fuzzed = new Map<string, number>();
  let unauthenticated = 0;
  const started = Date.now();

  /** Every GET of the document with valid parameters → its status (what fuzzing must not break). */
  let readsBefore: Map<string, number>;
  const readBack = async () => {
    const out = new Map<string, number>();
    for (const op of ops.filter((o) => !o.mutating))
      out.set(op.id, (await client.send(toWire(validCase(op, ctx), ctx))).status);
    return out;
  };

  const send = async (c: Case) => {
    fuzzed.set(c.op.id, (fuzzed.get(c.op.id) ?? 0) + 1);
    if (c.auth !== 'key') unauthenticated++;
    await runner.run(c);
  };
  /** The server's own log of a 5xx (message and first stack frames), found by correlation id. */
  const serverError = (problem: string) => {
    const id = /"correlation_id":"([^"]+)"/.exec(problem)?.[1];
    if (!id) return problem;
    const line = t.rawLogs.find((l) => l.includes(id) && l.includes('"stack"'));
    if (!line) return problem;
    const err = (JSON.parse(line) as { err?: { message?: string; stack?: string } }).err;
    return `${problem}\n    server: ${err?.message} ${(err?.stack ?? '')
      .split('\n')
      .slice(1, 5)
      .map((s) => s.trim())
      .join(' < ')}`;
  };
  const report = (what: string) => {
    const problems = runner.problems.splice(0).map(serverError);
    if (process.env.FUZZ_REPORT_FILE)
      fs.appendFileSync(process.env.FUZZ_REPORT_FILE, `${what}\n  ${problems.join('\n  ')}\n`);
    if (problems.length) {
      const shown = problems.slice(0, 25).join('\n  ');
      throw new Error(
        `${what}: ${problems.length} problem(s) (FUZZ_SEED=${SEED}, FUZZ_RUNS=${RUNS}):\n  ${shown}${problems.length > 25 ? `\n  … and ${problems.length - 25} more` : ''}`,
      );
    }
  };

  beforeAll(async () => {
    t = await startTestApp({ API_KEY, RATE_LIMIT_PER_MINUTE: '0', MAX_TRAINING_MEMORY: '8' });
    const headers = { 'x-api-key': API_KEY };
    const call = async (path: string, init: RequestInit & { json?: unknown } = {}, expected = [200, 201, 202, 204]) => {
      const res = await t.fetch(path, {
        ...init,
        headers: { ...headers, ...(init.headers as Record<string, string>) },
      });
      const text = await res.text();
      if (!expected.includes(res.status)) throw new Error(`seeding ${path}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    };
    await call('/api/v1/market-data/import?symbol=EUR%2FUSD&timeframe=1d', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: dailyCsv(randomWalk(700, 3)),
    });
    const accepted = await call('/api/v1/models/train', {
      method: 'POST',
      json: {
        name: 'fuzz seed',
        model_type: 'time_series',
        architecture: 'lstm',
        symbols: ['EUR/USD'],
        features: ['returns_1', 'returns_5', 'zscore_20'],
        target: 'price_change_1d',
        start_date: '2000-01-01T00:00:00Z',
        end_date: '2002-01-01T00:00:00Z',
        timeframe: '1d',
        window: 5,
        validation_split: 0.2,
        test_split: 0.2,
        seed: 3,
        experiment: 'fuzz exp',
        hyperparameters: { units: 4, epochs: 1, batch_size: 256 },
      },
    });
    const job = await waitForJob({ ...t, fetch: (p, init = {}) => t.fetch(p, { ...init, headers }) }, accepted.job_id);
    if (job.status !== 'succeeded') throw new Error(`seed training ${job.status}: ${JSON.stringify(job.error)}`);
    const deployment = await call(`/api/v1/models/${accepted.model_id}/deploy`, {
      method: 'POST',
      json: { version: accepted.version, deployment_target: 'strategy_engine', monitoring_level: 'high' },
    });
    await call(`/api/v1/models/${accepted.model_id}/predict`, {
      method: 'POST',
      json: { symbol: 'EUR/USD', timeframe: '1d' },
    });
    await call(`/api/v1/deployments/${deployment.id}/monitoring`);
    const experiment = await call('/api/v1/experiments', {
      method: 'POST',
      json: { name: 'manual', tags: { team: 'fx' } },
    });
    const run = await call(`/api/v1/experiments/${experiment.id}/runs`, {
      method: 'POST',
      json: { name: 'r1', params: { p: '1' }, tags: { t: 'x' } },
    });
    await call(`/api/v1/runs/${run.id}/metrics`, {
      method: 'POST',
      json: { metrics: [{ key: 'loss', value: 0.5, step: 0 }] },
    });
    const finishRun = await call(`/api/v1/experiments/${experiment.id}/runs`, { method: 'POST', json: { name: 'r2' } });
    const artifacts: { files: Array<{ path: string }> } = await call(`/api/v1/runs/${job.run_id}/artifacts`);
    seed = {
      modelId: accepted.model_id,
      version: accepted.version,
      jobId: accepted.job_id,
      trainingRunId: job.run_id,
      experimentId: experiment.id,
      runId: run.id,
      finishRunId: finishRun.id,
      deploymentId: deployment.id,
      artifactPath: artifacts.files[0]?.path ?? 'metrics.json',
    };

    doc = await call('/docs-json');
    ops = operationsOf(doc);
    const bases = baseBodies(seed);
    const known: Record<string, string> = {
      symbol: 'EUR/USD',
      timeframe: '1d',
      features: 'returns_1',
      start: '2000-06-01T00:00:00Z',
      end: '2001-01-01T00:00:00Z',
      run_ids: `${seed.runId},${seed.trainingRunId}`,
      model_id: seed.modelId,
    };
    ctx = {
      doc,
      apiKey: API_KEY,
      validPath: (op, placeholder) => {
        const id = (() => {
          switch (placeholder) {
            case 'model_id':
              return seed.modelId;
            case 'version':
              return seed.version;
            case 'key':
              return op.path.includes('/tags/') ? 't' : 'loss';
            case 'path':
              return seed.artifactPath;
            case 'alias':
              return 'champion';
          }
          if (op.path.startsWith('/api/v1/experiments/')) return seed.experimentId;
          if (op.path.startsWith('/api/v1/runs/{id}/artifacts')) return seed.trainingRunId;
          if (op.id === 'ExperimentsController_finish') return seed.finishRunId;
          if (op.path.startsWith('/api/v1/runs/')) return seed.runId;
          if (op.path.startsWith('/api/v1/training/jobs/')) return seed.jobId;
          if (op.path.startsWith('/api/v1/deployments/')) return seed.deploymentId;
          return 'unknown';
        })();
        return encodeBytes(id, /[A-Za-z0-9\-._~/]/);
      },
      validQuery: (op, param) =>
        known[param.name] ?? (param.required ? String(validValue(doc, param.schema)) : undefined),
      baseBody: (op) => (op.id in bases ? bases[op.id] : validValue(doc, op.body?.schema ?? {})),
      // MLflow's free-form bodies get seeded ids too, so that its handlers get past "not found";
      // not for its delete calls, which would take the seeded experiment and run away.
      freeFormValues: (op) =>
        /delete(Experiment|Run)$/.test(op.id)
          ? []
          : [seed.experimentId, seed.runId, seed.trainingRunId, 'loss', 't', 'fuzz exp'],
    };

    const monitoring = t.app.get(MonitoringService);
    state = new StateFingerprinter(t.app.get(DataSource), t.registryPath, () => monitoring.flush());
    client = new WireClient(t.url);
    runner = new FuzzRunner(client, state, ctx, {
      foreignErrorShape: (c) => c.op.path.startsWith('/api/2.0/mlflow/'),
      // A 202 here would queue a training job that writes for seconds afterwards.
      // A schedule created here could fire (pg-boss's cron) and queue training mid-run.
      mustReject: (c) => c.op.id === 'TrainingController_train' || c.op.id === 'SchedulesController_create',
    });
    readsBefore = await readBack();
    // The stored state must hold still on its own, or no comparison below means anything.
    const a = await state.take();
    await new Promise((r) => setTimeout(r, 300));
    expect(await state.take()).toEqual(a);
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await t?.close();
    if (runner) {
      const statuses = [...runner.statusCounts.entries()]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}×${n}`)
        .join(' ');
      if (process.env.FUZZ_PROFILE)
        console.log(`accepted non-GET requests:\n${runner.accepted.map((a) => a.slice(0, 400)).join('\n')}`);
      if (process.env.FUZZ_PROFILE) console.log(`fingerprint parts: ${JSON.stringify(state.spent)}`);
      if (process.env.FUZZ_PROFILE)
        console.log(
          [...runner.timings.entries()]
            .sort((a, b) => b[1][0] - a[1][0])
            .slice(0, 40)
            .map(([k, [ms, n]]) => `${k}: ${Math.round(ms)} ms / ${n}`)
            .join('\n'),
        );
      console.log(
        `openapi-fuzz: ${runner.sent} requests to ${fuzzed.size} operations (${unauthenticated} without a valid key, ${runner.acceptedMutations} non-GET answered 2xx) in ${((Date.now() - started) / 1000).toFixed(1)} s, FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}; statuses ${statuses}`,
      );
    }
  });

  it('deterministic cases: auth, every path and query parameter, whole bodies, every body field', async () => {
    for (const op of ops) for (const c of deterministicCases(op, ctx)) await send(c);
    await runner.checkReads();
    report('deterministic cases');
  }, 300_000);

  it('random cases (fast-check): hostile parameters and bodies mixed with valid ones', async () => {
    for (const [i, op] of ops.entries()) {
      for (const c of fc.sample(randomCaseArbitrary(op, ctx), { seed: SEED + i, numRuns: RUNS })) await send(c);
    }
    await runner.checkReads();
    report('random cases');
  }, 300_000);

  describe('regressions found by this suite', () => {
    const post = (path: string, body: string | Buffer, contentType = 'application/json') =>
      client.send({ method: 'POST', path, headers: { 'x-api-key': API_KEY, 'content-type': contentType }, body });
    const get = (path: string) => client.send({ method: 'GET', path, headers: { 'x-api-key': API_KEY } });
    const envelope = (res: WireResponse, status: number, code?: string) => {
      expect({ status: res.status, body: res.text.slice(0, 300) }).toEqual({ status, body: expect.any(String) });
      const body = JSON.parse(res.text);
      expect(Object.keys(body).sort()).toEqual(['correlation_id', 'details', 'error_code', 'error_type', 'message']);
      expect(body.correlation_id).toBe(res.headers['x-correlation-id']);
      if (code) expect(body.error_code).toBe(code);
      return body;
    };

    it('a CSV import refused half-way leaves the keep-alive connection usable (the next request used to hang)', async () => {
      const own = new WireClient(t.url, 5_000);
      try {
        const first = await own.send({
          method: 'POST',
          path: '/api/v1/market-data/import?symbol=EUR%2FUSD&timeframe=1d',
          headers: { 'x-api-key': API_KEY, 'content-type': 'text/csv' },
          body: `{"x": "${'x'.repeat(1_100_000)}"}`,
        });
        envelope(first, 400, 'CSV_UNREADABLE');
        const next = await own.send({
          method: 'GET',
          path: '/api/v1/market-data/symbols',
          headers: { 'x-api-key': API_KEY },
        });
        expect(next.status).toBe(200);
      } finally {
        own.close();
      }
    });

    it('10 000 levels of nesting are a 422, not a stack overflow (500)', async () => {
      envelope(await post('/api/v1/experiments', `{"name":"x","tags":${deepObject.text}}`), 422, 'VALIDATION_FAILED');
      envelope(await post('/api/v1/models/train', deepObject.text), 422, 'VALIDATION_FAILED');
      const mlflow = await post('/api/2.0/mlflow/runs/log-batch', deepArray.text);
      expect(mlflow.status).toBe(400);
    });

    it('text/plain or text/csv on a JSON route is a 415, not a 500', async () => {
      envelope(await post('/api/v1/experiments', '{"name":"x"}', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE');
      envelope(await post(`/api/v1/runs/${seed.runId}/tags`, 'a,b\n1,2\n', 'text/csv'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('NUL (U+0000) in a query value, a path segment or a body string is a 422, not a database error (500)', async () => {
      expect(envelope(await get('/api/v1/models?type=%00'), 422).details.fields[0].field).toBe('type');
      envelope(await get('/api/v1/models?name=a%00b'), 422);
      envelope(await get('/api/v1/runs/%00'), 422);
      envelope(await post('/api/v1/experiments', '{"name":"nul\\u0000name"}'), 422);
      envelope(await post(`/api/v1/runs/${seed.runId}/tags`, '{"tags":{"\\u0000":"x"}}'), 422);
    });

    it('an unpaired surrogate in a string is a 422, not a jsonb error (500)', async () => {
      envelope(
        await post('/api/v1/experiments', '{"name":"fuzz lone","tags":{"k":"x\\udfffy"}}'),
        422,
        'VALIDATION_FAILED',
      );
      envelope(await post(`/api/v1/runs/${seed.runId}/params`, '{"params":{"\\ud800":"v"}}'), 422, 'VALIDATION_FAILED');
    });

    it('a PATCH refused for its tags does not rename the experiment (the rename used to be stored first)', async () => {
      const path = `/api/v1/experiments/${seed.experimentId}`;
      const before = JSON.parse((await get(path)).text);
      const res = await client.send({
        method: 'PATCH',
        path,
        headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
        body: '{"name":"renamed by a refused request","tags":{"k":[]}}',
      });
      envelope(res, 422, 'VALIDATION_FAILED');
      expect(JSON.parse((await get(path)).text)).toEqual(before);
    });

    it('run and experiment searches refuse operands PostgreSQL cannot take (they were 500s)', async () => {
      const runs = (filter: string) =>
        get(`/api/v1/experiments/${seed.experimentId}/runs?filter=${encodeURIComponent(filter)}`);
      for (const filter of [
        'attributes.start_time > 99999999999999999999',
        'attributes.end_time < -99999999999999999999',
        "tags.t LIKE '%\\\\'",
        "params.p ILIKE '\\\\'",
      ]) {
        expect(envelope(await runs(filter), 422, 'INVALID_FILTER').details).toEqual(
          expect.objectContaining({ field: 'filter' }),
        );
        const mlflow = await post(
          '/api/2.0/mlflow/runs/search',
          JSON.stringify({ experiment_ids: [seed.experimentId], filter }),
        );
        expect({ status: mlflow.status, body: JSON.parse(mlflow.text).error_code }).toEqual({
          status: 400,
          body: 'INVALID_PARAMETER_VALUE',
        });
      }
      const experiments = await post(
        '/api/2.0/mlflow/experiments/search',
        JSON.stringify({ filter: "name LIKE 'fuzz\\'" }),
      );
      expect({ status: experiments.status, body: JSON.parse(experiments.text).error_code }).toEqual({
        status: 400,
        body: 'INVALID_PARAMETER_VALUE',
      });
      expect((await runs('attributes.start_time > 0')).status).toBe(200);
    });

    it('a window of huge finite numbers is a 422, not a 200 whose prediction is null', async () => {
      const v = 1e200;
      const features = { returns_1: [v, v, v, v, v], returns_5: [v, 0, 0, 0, v], zscore_20: [0, 0, 0, 0, v] };
      envelope(
        await post(
          `/api/v1/models/${seed.modelId}/predict`,
          JSON.stringify({ symbol: 'EUR/USD', timeframe: '1d', features }),
        ),
        422,
        'NON_FINITE_PREDICTION',
      );
      const batch = envelope(
        await post(
          `/api/v1/models/${seed.modelId}/predict`,
          JSON.stringify({
            symbol: 'EUR/USD',
            timeframe: '1d',
            instances: [
              { features: { returns_1: [0, 0, 0, 0, 0], returns_5: [0, 0, 0, 0, 0], zscore_20: [0, 0, 0, 0, 0] } },
              { features },
            ],
          }),
        ),
        422,
        'NON_FINITE_PREDICTION',
      );
      expect(batch.details.fields[0].field).toBe('instances[1].features');
    });

    it('metrics and params named like Object.prototype members are stored and read back (the run could no longer be read: 500)', async () => {
      const res = await post(
        `/api/v1/runs/${seed.runId}/metrics`,
        JSON.stringify({
          metrics: [
            { key: 'toString', value: 1 },
            { key: 'constructor', value: 2 },
            { key: '__proto__', value: 3 },
          ],
        }),
      );
      expect(res.status).toBe(204);
      const run = JSON.parse((await get(`/api/v1/runs/${seed.runId}`)).text);
      expect(Object.keys(run.metric_history)).toEqual(expect.arrayContaining(['toString', 'constructor', '__proto__']));
      const batch = await post(
        '/api/2.0/mlflow/runs/log-batch',
        JSON.stringify({
          run_id: seed.runId,
          params: [
            { key: 'constructor', value: 'a' },
            { key: 'valueOf', value: 'b' },
          ],
        }),
      );
      expect({ status: batch.status, body: batch.text }).toEqual({ status: 200, body: '{}' });
      expect(JSON.parse((await get(`/api/v1/runs/${seed.runId}`)).text).params).toEqual(
        expect.objectContaining({ constructor: 'a', valueOf: 'b' }),
      );
    });

    it('a 100 000-element array where an object belongs is refused at once, with a bounded answer', async () => {
      const top = await post('/api/v1/models/train', hugeNumberArray.text);
      envelope(top, 422, 'VALIDATION_FAILED');
      const nested = await post(`/api/v1/runs/${seed.runId}/metrics`, `{"metrics":${hugeNumberArray.text}}`);
      const body = envelope(nested, 422, 'VALIDATION_FAILED');
      expect(nested.text.length).toBeLessThan(64 * 1024);
      expect(body.details.fields.length).toBeLessThanOrEqual(100);
      expect(body.details.fields_total).toBeGreaterThan(100_000);
    });

    it('deleting a tag named like an Object.prototype member is a 404 (it used to answer 200)', async () => {
      for (const key of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
        const res = await client.send({
          method: 'DELETE',
          path: `/api/v1/runs/${seed.runId}/tags/${key}`,
          headers: { 'x-api-key': API_KEY },
        });
        envelope(res, 404, 'TAG_NOT_FOUND');
      }
    });
  });

  it('every operation of the document was fuzzed, nothing was polluted, the service still answers', async () => {
    const missing = ops.map((o) => o.id).filter((id) => !fuzzed.has(id));
    expect(missing).toEqual([]);
    expect(fuzzed.size).toBe(ops.length);
    expect(ops.length).toBe(
      Object.values(doc.paths).reduce(
        (n, item) =>
          n +
          Object.keys(item).filter((m) => ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(m))
            .length,
        0,
      ),
    );
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(unauthenticated).toBeGreaterThan(ops.length * 2);
    // Whatever the accepted requests stored (odd keys, names, values), every read that worked
    // before fuzzing still works: nothing stored can make a later read fail.
    const readsAfter = await readBack();
    const broken = [...readsBefore]
      .filter(([id, status]) => status < 300 && (readsAfter.get(id) ?? 0) >= 300)
      .map(([id]) => `${id}: ${readsBefore.get(id)} → ${readsAfter.get(id)}`);
    expect(broken).toEqual([]);
    expect([...readsBefore.values()].filter((s) => s < 300).length).toBeGreaterThan(20);
    const health = await t.fetch('/health');
    expect(health.status).toBe(200);
    const models = await t.fetch('/api/v1/models', { headers: { 'x-api-key': API_KEY } });
    expect(models.status).toBe(200);
  });
});
