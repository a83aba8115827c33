import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import fc from 'fast-check';
import { importDaily, waitForJob } from './support/jobs';
import { dailyCsv, randomWalk } from './support/series';
import { startTestApp, type TestApp } from './support/test-app';
import { DAILY_TIME_SERIES_REQUEST } from './support/train-request';

const base = {
  ...DAILY_TIME_SERIES_REQUEST,
  symbols: ['EUR/USD'],
  experiment: 'FX sweep',
};

/** A raw GET, so that `..` and odd encodings reach the server exactly as written. */
function rawGet(
  t: TestApp,
  rawPath: string,
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const { port } = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('experiments and runs through HTTP', () => {
  let t: TestApp;
  let experimentId: string;
  let lstmRun: string;
  let gruRun: string;

  beforeAll(async () => {
    t = await startTestApp({ MAX_TRAINING_MEMORY: '8' });
    await importDaily(t, 'EUR/USD', dailyCsv(randomWalk(1200, 11)));
    const ids: string[] = [];
    for (const architecture of ['lstm', 'gru']) {
      const res = await t.fetch('/api/v1/models/train', {
        method: 'POST',
        json: {
          ...base,
          name: `sweep ${architecture}`,
          architecture,
          hyperparameters: { units: 8, epochs: 3, batch_size: 64 },
        },
      });
      expect(res.status).toBe(202);
      const job = await waitForJob(t, (await res.json()).job_id);
      expect(job.status).toBe('succeeded');
      ids.push(job.run_id);
    }
    [lstmRun, gruRun] = ids;
    const list = await (await t.fetch('/api/v1/experiments')).json();
    experimentId = list.experiments.find((e: { name: string }) => e.name === 'FX sweep').id;
  }, 180_000);
  // Closing waits for the queue's drain and every module's shutdown; on a loaded machine (the CI's
  // two passes side by side) that took over Jest's default 60 s once.
  afterAll(async () => {
    await t?.close();
  }, 180_000);

  it('lists experiments with run counts and keeps the existing run shapes', async () => {
    const list = await (await t.fetch('/api/v1/experiments')).json();
    expect(list.experiments.find((e: { id: string }) => e.id === experimentId)).toMatchObject({
      name: 'FX sweep',
      run_count: 2,
      archived_at: null,
      lifecycle_stage: 'active',
    });
    const runs = await (await t.fetch(`/api/v1/experiments/${experimentId}/runs`)).json();
    expect(runs).toMatchObject({ total: 2, limit: 50, offset: 0 });
    expect(runs.runs.map((r: { id: string }) => r.id)).toEqual([gruRun, lstmRun]); // newest first
    for (const key of [
      'id',
      'experiment_id',
      'name',
      'status',
      'params',
      'metrics',
      'tags',
      'artifacts',
      'model_id',
      'model_version',
      'start_time',
      'end_time',
      'mlflow_sync_state',
    ])
      expect(runs.runs[0]).toHaveProperty(key);
    const run = await (await t.fetch(`/api/v1/runs/${lstmRun}`)).json();
    expect(run).toMatchObject({
      status: 'FINISHED',
      mlflow_run_id: null,
      mlflow_sync_state: null,
      lifecycle_stage: 'active',
    });
    expect(run.metric_history.val_loss.map((p: { step: number }) => p.step)).toEqual([0, 1, 2]);
  });

  it('GET /experiments is paginated like the other lists: limit/offset, total over all pages, pages never overlap', async () => {
    for (let i = 0; i < 7; i++)
      expect((await t.fetch('/api/v1/experiments', { method: 'POST', json: { name: `Paged ${i}` } })).status).toBe(201);
    const all = await (await t.fetch('/api/v1/experiments?lifecycle=all&limit=500')).json();
    expect(all).toMatchObject({ total: all.experiments.length, limit: 500, offset: 0 });
    const byDefault = await (await t.fetch('/api/v1/experiments')).json();
    expect(byDefault).toMatchObject({ limit: 50, offset: 0, total: expect.any(Number) });
    expect(byDefault.experiments.length).toBe(Math.min(50, byDefault.total));
    // Oldest first, as the unpaginated list was.
    const created = all.experiments.map((e: { created_at: string }) => e.created_at);
    expect(created).toEqual([...created].sort());

    const pages: string[][] = [];
    for (let offset = 0; offset < all.total; offset += 3) {
      const page = await (await t.fetch(`/api/v1/experiments?lifecycle=all&limit=3&offset=${offset}`)).json();
      expect(page).toMatchObject({ total: all.total, limit: 3, offset });
      expect(page.experiments.length).toBe(Math.min(3, all.total - offset));
      pages.push(page.experiments.map((e: { id: string }) => e.id));
    }
    expect(pages.flat()).toEqual(all.experiments.map((e: { id: string }) => e.id));
    const past = await (await t.fetch(`/api/v1/experiments?limit=3&offset=${all.total + 10}`)).json();
    expect(past.experiments).toEqual([]);

    for (const q of ['limit=0', 'limit=501', 'limit=-1', 'offset=-1', 'limit=abc', 'offset=1.5']) {
      const res = await t.fetch(`/api/v1/experiments?${q}`);
      expect({ q, status: res.status }).toEqual({ q, status: 422 });
      expect(await res.json()).toMatchObject({ error_type: 'DataValidationError', error_code: 'VALIDATION_FAILED' });
    }
    // The Swagger document describes the paginated answer.
    const doc = await (await t.fetch('/docs-json')).json();
    const op = doc.paths['/api/v1/experiments'].get;
    expect(op.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['lifecycle', 'limit', 'offset']);
    const schema = JSON.stringify(doc.components.schemas.ExperimentListDto);
    for (const field of ['experiments', 'total', 'limit', 'offset']) expect(schema).toContain(`"${field}"`);
  });

  it('creates, reads, renames, archives and restores experiments', async () => {
    const created = await t.fetch('/api/v1/experiments', {
      method: 'POST',
      json: { name: 'Scratch', tags: { team: 'fx' } },
    });
    expect(created.status).toBe(201);
    const e = await created.json();
    expect(e).toMatchObject({ name: 'Scratch', tags: { team: 'fx' }, run_count: 0, lifecycle_stage: 'active' });
    expect((await t.fetch('/api/v1/experiments', { method: 'POST', json: { name: 'Scratch' } })).status).toBe(409);
    expect((await t.fetch(`/api/v1/experiments/${e.id}`)).status).toBe(200);
    expect((await t.fetch('/api/v1/experiments/not-a-uuid')).status).toBe(404);

    const renamed = await t.fetch(`/api/v1/experiments/${e.id}`, {
      method: 'PATCH',
      json: { name: 'Scratch 2', tags: { team: null, owner: 'ana' } },
    });
    expect(await renamed.json()).toMatchObject({ name: 'Scratch 2', tags: { owner: 'ana' } });
    const clash = await t.fetch(`/api/v1/experiments/${e.id}`, { method: 'PATCH', json: { name: 'FX sweep' } });
    expect(clash.status).toBe(409);
    expect((await clash.json()).error_code).toBe('EXPERIMENT_EXISTS');

    expect(await (await t.fetch(`/api/v1/experiments/${e.id}/archive`, { method: 'POST' })).json()).toMatchObject({
      lifecycle_stage: 'deleted',
      archived_at: expect.any(String),
    });
    const names = async (q = '') =>
      (await (await t.fetch(`/api/v1/experiments${q}`)).json()).experiments.map((x: { name: string }) => x.name);
    expect(await names()).not.toContain('Scratch 2');
    expect(await names('?lifecycle=archived')).toEqual(['Scratch 2']);
    expect(await names('?lifecycle=all')).toContain('Scratch 2');
    expect((await t.fetch(`/api/v1/experiments/${e.id}/runs`, { method: 'POST', json: {} })).status).toBe(409);
    await t.fetch(`/api/v1/experiments/${e.id}/restore`, { method: 'POST' });
    expect(await names()).toContain('Scratch 2');
  });

  it('filters runs by params, metrics, status and orders them by a metric', async () => {
    const q = async (query: string) => {
      const res = await t.fetch(`/api/v1/experiments/${experimentId}/runs?${query}`);
      expect(res.status).toBe(200);
      return (await res.json()).runs.map((r: { id: string }) => r.id);
    };
    expect(await q(`filter=${encodeURIComponent("params.architecture = 'gru'")}`)).toEqual([gruRun]);
    expect(
      await q(`filter=${encodeURIComponent("params.architecture != 'gru' AND attributes.status = 'FINISHED'")}`),
    ).toEqual([lstmRun]);
    const runs = await (await t.fetch(`/api/v1/experiments/${experimentId}/runs`)).json();
    const vl = Object.fromEntries(
      runs.runs.map((r: { id: string; metrics: { val_loss: number } }) => [r.id, r.metrics.val_loss]),
    );
    const threshold = Math.max(vl[lstmRun], vl[gruRun]);
    expect((await q(`filter=${encodeURIComponent(`metrics.val_loss < ${threshold}`)}`)).length).toBe(1);
    expect((await q(`filter=${encodeURIComponent(`metrics.val_loss <= ${threshold}`)}`)).length).toBe(2);
    expect(await q(`filter=${encodeURIComponent('metrics.no_such_metric > 0')}`)).toEqual([]);
    const asc = await q(`order_by=${encodeURIComponent('metrics.val_loss ASC')}`);
    expect(asc).toEqual([lstmRun, gruRun].sort((a, b) => vl[a] - vl[b]));
    expect(await q(`order_by=${encodeURIComponent('metrics.val_loss DESC')}`)).toEqual([...asc].reverse());
    expect(await q('status=FAILED')).toEqual([]);
    expect((await q('status=FINISHED&limit=1')).length).toBe(1);

    const bad = await t.fetch(
      `/api/v1/experiments/${experimentId}/runs?filter=${encodeURIComponent("metrics.val_loss < 'x'")}`,
    );
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({
      error_code: 'INVALID_FILTER',
      details: { field: 'filter', position: 19 },
    });
    expect((await t.fetch(`/api/v1/experiments/${experimentId}/runs?status=DONE`)).status).toBe(422);
    const injection = await q(`filter=${encodeURIComponent("params.architecture = 'gru'' OR 1=1 --'")}`);
    expect(injection).toEqual([]);
  });

  it('never answers a random filter or order_by with a 5xx', async () => {
    const atoms = fc.constantFrom(
      'metrics.val_loss',
      'params.architecture',
      'tags.x',
      'attributes.status',
      'status',
      'run_name',
      '`a b`',
      '=',
      '!=',
      '<',
      '>=',
      'LIKE',
      'IN',
      'NOT',
      'AND',
      'OR',
      "'gru'",
      '"x"',
      '(',
      ')',
      ',',
      '0.01',
      '-1e400',
      "'",
      '"',
      '`',
      '.',
      ';',
      '--',
      '\\',
      'DROP TABLE runs',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.array(atoms, { maxLength: 8 }).map((a) => a.join(' ')),
        ),
        fc.boolean(),
        async (text, asOrder) => {
          const res = await t.fetch(
            `/api/v1/experiments/${experimentId}/runs?${asOrder ? 'order_by' : 'filter'}=${encodeURIComponent(text)}`,
          );
          expect([200, 422]).toContain(res.status);
        },
      ),
      { numRuns: 120 },
    );
  });

  it('tracks a run logged from outside: params (immutable), metrics with step and timestamp, tags, finish', async () => {
    const res = await t.fetch(`/api/v1/experiments/${experimentId}/runs`, {
      method: 'POST',
      json: { name: 'notebook', params: { architecture: 'gru', units: '16' }, tags: { source: 'notebook' } },
    });
    expect(res.status).toBe(201);
    const run = await res.json();
    expect(run).toMatchObject({
      status: 'RUNNING',
      name: 'notebook',
      params: { architecture: 'gru', units: '16' },
      model_id: null,
      end_time: null,
    });

    expect(
      (
        await t.fetch(`/api/v1/runs/${run.id}/params`, {
          method: 'POST',
          json: { params: { lr: '0.01', units: '16' } },
        })
      ).status,
    ).toBe(200);
    const clash = await t.fetch(`/api/v1/runs/${run.id}/params`, {
      method: 'POST',
      json: { params: { lr: '0.02', extra: 'x' } },
    });
    expect(clash.status).toBe(409);
    expect(await clash.json()).toMatchObject({
      error_code: 'PARAM_IMMUTABLE',
      details: { params: [{ key: 'lr', existing: '0.01', new: '0.02' }] },
    });
    expect((await (await t.fetch(`/api/v1/runs/${run.id}`)).json()).params).toEqual({
      architecture: 'gru',
      units: '16',
      lr: '0.01',
    });

    const t0 = Date.parse('2024-01-01T00:00:00Z');
    const logged = await t.fetch(`/api/v1/runs/${run.id}/metrics`, {
      method: 'POST',
      json: {
        metrics: [
          { key: 'val_loss', value: 0.5, step: 0, timestamp: t0 },
          { key: 'val_loss', value: 0.1, step: 2, timestamp: t0 + 2000 },
          { key: 'val_loss', value: 0.3, step: 1, timestamp: t0 + 3000 },
          { key: 'sharpe', value: 1.5 },
        ],
      },
    });
    expect(logged.status).toBe(204);
    expect(
      (
        await t.fetch(`/api/v1/runs/${run.id}/metrics`, {
          method: 'POST',
          json: { metrics: [{ key: '../x', value: 1 }] },
        })
      ).status,
    ).toBe(422);
    expect(
      (
        await t.fetch(`/api/v1/runs/${run.id}/metrics`, {
          method: 'POST',
          json: { metrics: [{ key: 'a', value: 'x' }] },
        })
      ).status,
    ).toBe(422);

    const history = await (await t.fetch(`/api/v1/runs/${run.id}/metrics/val_loss`)).json();
    expect(history.history.map((h: { step: number; value: number }) => [h.step, h.value])).toEqual([
      [0, 0.5],
      [1, 0.3],
      [2, 0.1],
    ]);
    expect(history.history[0].timestamp).toBe('2024-01-01T00:00:00.000Z');
    expect((await t.fetch(`/api/v1/runs/${run.id}/metrics/nope`)).status).toBe(404);

    await t.fetch(`/api/v1/runs/${run.id}/tags`, {
      method: 'POST',
      json: { tags: { reviewed: 'yes', source: 'colab' } },
    });
    expect((await t.fetch(`/api/v1/runs/${run.id}/tags/reviewed`, { method: 'DELETE' })).status).toBe(200);
    expect((await t.fetch(`/api/v1/runs/${run.id}/tags/reviewed`, { method: 'DELETE' })).status).toBe(404);

    const finished = await (await t.fetch(`/api/v1/runs/${run.id}/finish`, { method: 'POST', json: {} })).json();
    expect(finished).toMatchObject({
      status: 'FINISHED',
      end_time: expect.any(String),
      tags: { source: 'colab' },
      metrics: { val_loss: 0.1, sharpe: 1.5 },
    });
    expect(finished.metric_history.val_loss).toHaveLength(3);

    // Compare it with the trained runs: the dashboard's contract.
    const cmp = await t.fetch(`/api/v1/experiments/${experimentId}/compare?run_ids=${lstmRun},${gruRun},${run.id}`);
    expect(cmp.status).toBe(200);
    const c = await cmp.json();
    expect(Object.keys(c).sort()).toEqual(['experiment_id', 'histories', 'metrics', 'params', 'runs']);
    expect(c.experiment_id).toBe(experimentId);
    expect(c.runs.map((r: { id: string }) => r.id)).toEqual([lstmRun, gruRun, run.id]);
    expect(Object.keys(c.runs[0]).sort()).toEqual(['end_time', 'id', 'name', 'start_time', 'status']);
    expect(c.params.architecture).toEqual({
      values: { [lstmRun]: 'lstm', [gruRun]: 'gru', [run.id]: 'gru' },
      differs: true,
    });
    expect(c.params.target).toEqual({
      values: { [lstmRun]: 'price_change_1d', [gruRun]: 'price_change_1d', [run.id]: null },
      differs: true,
    });
    expect(c.params.lr.values[lstmRun]).toBeNull();
    expect(c.metrics.val_loss).toEqual({
      values: expect.any(Object),
      best_run_id: run.id,
      direction: 'lower',
      lower_is_better: true,
    });
    expect(c.metrics.sharpe).toEqual({
      values: { [lstmRun]: null, [gruRun]: null, [run.id]: 1.5 },
      best_run_id: run.id,
      direction: 'higher',
      lower_is_better: false,
    });
    expect(c.metrics.directional_accuracy.lower_is_better).toBe(false);
    expect(c.metrics.rmse.lower_is_better).toBe(true);
    const both = [lstmRun, gruRun];
    const da = c.metrics.directional_accuracy.values;
    expect(c.metrics.directional_accuracy.best_run_id).toBe(da[lstmRun] >= da[gruRun] ? lstmRun : gruRun);
    expect(both).toContain(c.metrics.mse.best_run_id);
    expect(c.histories.val_loss.steps).toEqual([0, 1, 2]);
    expect(c.histories.val_loss.values[run.id]).toEqual([0.5, 0.3, 0.1]);
    expect(c.histories.val_loss.values[lstmRun]).toHaveLength(3);
    expect(c.histories.sharpe).toEqual({
      steps: [0],
      values: { [lstmRun]: [null], [gruRun]: [null], [run.id]: [1.5] },
    });

    expect((await t.fetch(`/api/v1/experiments/${experimentId}/compare?run_ids=`)).status).toBe(422);
    expect(
      (
        await t.fetch(
          `/api/v1/experiments/${experimentId}/compare?run_ids=${run.id},00000000-0000-0000-0000-000000000000`,
        )
      ).status,
    ).toBe(404);
  });

  it('compare ranks runs only on metrics with a known direction: counts, settings and standard errors get "none" and no best run', async () => {
    const e = await (await t.fetch('/api/v1/experiments', { method: 'POST', json: { name: 'Directions' } })).json();
    const logRun = async (name: string, metrics: Record<string, number>) => {
      const r = await (await t.fetch(`/api/v1/experiments/${e.id}/runs`, { method: 'POST', json: { name } })).json();
      const res = await t.fetch(`/api/v1/runs/${r.id}/metrics`, {
        method: 'POST',
        json: { metrics: Object.entries(metrics).map(([key, value]) => ({ key, value })) },
      });
      expect(res.status).toBe(204);
      return r.id as string;
    };
    const a = await logRun('a', {
      trades: 40,
      spread_pips: 1,
      n: 300,
      epochs_run: 12,
      directional_accuracy_se: 0.03,
      directional_accuracy: 0.55,
      backtest_sharpe: 0.4,
      rmse: 0.02,
      constructor: 1,
    });
    const b = await logRun('b', {
      trades: 90,
      spread_pips: 2,
      n: 200,
      epochs_run: 30,
      directional_accuracy_se: 0.01,
      directional_accuracy: 0.52,
      backtest_sharpe: 0.9,
      rmse: 0.03,
      constructor: 2,
    });
    const c = await (await t.fetch(`/api/v1/experiments/${e.id}/compare?run_ids=${a},${b}`)).json();
    for (const k of ['trades', 'spread_pips', 'n', 'epochs_run', 'directional_accuracy_se', 'constructor']) {
      expect([k, c.metrics[k]]).toEqual([
        k,
        { values: expect.any(Object), best_run_id: null, direction: 'none', lower_is_better: null },
      ]);
    }
    expect(c.metrics.directional_accuracy).toMatchObject({ best_run_id: a, direction: 'higher' });
    expect(c.metrics.backtest_sharpe).toMatchObject({ best_run_id: b, direction: 'higher' });
    expect(c.metrics.rmse).toMatchObject({ best_run_id: a, direction: 'lower' });
  });

  it('deletes and restores runs', async () => {
    const run = await (
      await t.fetch(`/api/v1/experiments/${experimentId}/runs`, { method: 'POST', json: { name: 'throwaway' } })
    ).json();
    expect(await (await t.fetch(`/api/v1/runs/${run.id}`, { method: 'DELETE' })).json()).toMatchObject({
      lifecycle_stage: 'deleted',
    });
    const ids = async (q = '') =>
      (await (await t.fetch(`/api/v1/experiments/${experimentId}/runs${q}`)).json()).runs.map(
        (r: { id: string }) => r.id,
      );
    expect(await ids()).not.toContain(run.id);
    expect(await ids('?lifecycle=deleted')).toEqual([run.id]);
    expect((await t.fetch(`/api/v1/runs/${run.id}/tags`, { method: 'POST', json: { tags: { a: 'b' } } })).status).toBe(
      409,
    );
    await t.fetch(`/api/v1/runs/${run.id}/restore`, { method: 'POST' });
    expect(await ids()).toContain(run.id);
  });

  it('lists and streams artifacts, never outside the run folder', async () => {
    const list = await (await t.fetch(`/api/v1/runs/${lstmRun}/artifacts`)).json();
    expect(list.root).toBe('sweep_lstm/1.0.0');
    expect(list.files.map((f: { path: string }) => f.path).sort()).toEqual([
      'evaluation.json',
      'metrics.json',
      'model/model.json',
      'model/model.onnx',
      'model/weights.bin',
      'predictions.csv',
      'preprocessing.json',
    ]);
    const dir = path.join(t.registryPath, 'sweep_lstm', '1.0.0');
    expect(list.files.find((f: { path: string }) => f.path === 'model/weights.bin').size).toBe(
      fs.statSync(path.join(dir, 'model/weights.bin')).size,
    );

    const json = await t.fetch(`/api/v1/runs/${lstmRun}/artifacts/metrics.json`);
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await json.text()).toBe(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8'));
    const bin = await t.fetch(`/api/v1/runs/${lstmRun}/artifacts/sweep_lstm/1.0.0/model/weights.bin`);
    expect(bin.status).toBe(200);
    expect(bin.headers.get('content-type')).toBe('application/octet-stream');
    expect(bin.headers.get('content-disposition')).toContain('weights.bin');
    expect(Buffer.from(await bin.arrayBuffer()).equals(fs.readFileSync(path.join(dir, 'model/weights.bin')))).toBe(
      true,
    );

    // A secret beside the registry and a file in the folder the run does not list.
    fs.writeFileSync(path.join(t.registryPath, 'secret.txt'), 'TOP-SECRET-CONTENT');
    fs.writeFileSync(path.join(dir, 'unlisted.txt'), 'nope');
    const prefix = `/api/v1/runs/${lstmRun}/artifacts/`;
    for (const attempt of [
      '../../secret.txt',
      '..%2F..%2Fsecret.txt',
      '%2e%2e/%2e%2e/secret.txt',
      '%252e%252e%252fsecret.txt',
      'model/../../../secret.txt',
      '%2Fetc%2Fpasswd',
      '/etc/passwd',
      'unlisted.txt',
      'manifest.json',
      'model',
      'model/',
      '..\\..\\secret.txt',
      'metrics.json%00.txt',
    ]) {
      const res = await rawGet(t, prefix + attempt);
      expect({ attempt, status: [404, 422].includes(res.status) }).toEqual({ attempt, status: true });
      expect(res.body).not.toContain('TOP-SECRET-CONTENT');
      expect(res.body).not.toContain('root:');
    }
    // A listed file swapped for a symlink that points outside: refused.
    fs.renameSync(path.join(dir, 'preprocessing.json'), path.join(dir, 'preprocessing.bak'));
    fs.symlinkSync(path.join(t.registryPath, 'secret.txt'), path.join(dir, 'preprocessing.json'));
    expect((await t.fetch(`${prefix}preprocessing.json`)).status).toBe(404);
    fs.rmSync(path.join(dir, 'preprocessing.json'));
    fs.renameSync(path.join(dir, 'preprocessing.bak'), path.join(dir, 'preprocessing.json'));
    expect((await t.fetch(`/api/v1/runs/00000000-0000-0000-0000-000000000000/artifacts/metrics.json`)).status).toBe(
      404,
    );
  });

  it('a symlinked version directory that leads outside MODEL_REGISTRY_PATH is a 404 in the envelope, never the file out there', async () => {
    // The run's version folder swapped for a symlink to a look-alike folder outside the registry.
    const dir = path.join(t.registryPath, 'sweep_gru', '1.0.0');
    const outside = fs.mkdtempSync(path.join(path.dirname(t.registryPath), 'mlwb-outside-'));
    fs.cpSync(dir, outside, { recursive: true });
    fs.writeFileSync(path.join(outside, 'metrics.json'), '{"secret":"OUTSIDE-THE-REGISTRY"}');
    fs.renameSync(dir, `${dir}.moved`);
    fs.symlinkSync(outside, dir, 'dir');
    try {
      for (const file of ['metrics.json', 'sweep_gru/1.0.0/metrics.json', 'model/weights.bin']) {
        const res = await t.fetch(`/api/v1/runs/${gruRun}/artifacts/${file}`);
        const body = await res.text();
        expect({ file, status: res.status }).toEqual({ file, status: 404 });
        expect(body).not.toContain('OUTSIDE-THE-REGISTRY');
        expect(JSON.parse(body)).toMatchObject({
          error_type: 'NotFoundError',
          error_code: 'ARTIFACT_NOT_FOUND',
          correlation_id: res.headers.get('x-correlation-id'),
        });
      }
      // The listing does not measure files out there either.
      const list = await (await t.fetch(`/api/v1/runs/${gruRun}/artifacts`)).json();
      expect(list.files.map((f: { size: number | null }) => f.size)).toEqual(list.files.map(() => null));
      // A symlinked model directory (sweep_gru → outside) is refused the same way.
      fs.rmSync(dir);
      fs.renameSync(`${dir}.moved`, dir);
      const modelDir = path.join(t.registryPath, 'sweep_gru');
      const outsideModel = fs.mkdtempSync(path.join(path.dirname(t.registryPath), 'mlwb-outside-model-'));
      fs.cpSync(modelDir, outsideModel, { recursive: true });
      fs.writeFileSync(path.join(outsideModel, '1.0.0', 'metrics.json'), '{"secret":"OUTSIDE-THE-REGISTRY"}');
      fs.renameSync(modelDir, `${modelDir}.moved`);
      fs.symlinkSync(outsideModel, modelDir, 'dir');
      try {
        const res = await t.fetch(`/api/v1/runs/${gruRun}/artifacts/metrics.json`);
        expect(res.status).toBe(404);
        expect(await res.text()).not.toContain('OUTSIDE-THE-REGISTRY');
      } finally {
        fs.rmSync(modelDir);
        fs.renameSync(`${modelDir}.moved`, modelDir);
        fs.rmSync(outsideModel, { recursive: true, force: true });
      }
    } finally {
      if (fs.lstatSync(dir).isSymbolicLink()) {
        fs.rmSync(dir);
        fs.renameSync(`${dir}.moved`, dir);
      }
      fs.rmSync(outside, { recursive: true, force: true });
    }
    // Back in place: served again.
    expect((await t.fetch(`/api/v1/runs/${gruRun}/artifacts/metrics.json`)).status).toBe(200);
  });
});
