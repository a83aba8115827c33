import { importDaily, waitForJob } from './support/jobs';
import { dailyCsv, randomWalk } from './support/series';
import { startTestApp, type TestApp, type JsonResponse } from './support/test-app';

/**
 * Model aliases (issue #17): PUT/DELETE/GET /api/v1/models/{model_id}/aliases[/{alias}],
 * `"version": "@champion"` in predict and deploy, the model's history, and what archiving does.
 * One tiny model with two trained versions (and a cancelled third) serves every test.
 */
const MODEL = 'alias_main';
const trainBody = {
  name: 'Alias main',
  model_type: 'time_series',
  architecture: 'lstm',
  symbols: ['EUR/USD'],
  features: ['returns_1', 'returns_5', 'zscore_20'],
  target: 'price_change_1d',
  start_date: '2000-01-01T00:00:00Z',
  end_date: '2002-06-01T00:00:00Z',
  timeframe: '1d',
  window: 5,
  validation_split: 0.2,
  test_split: 0.2,
  seed: 3,
  hyperparameters: { units: 4, epochs: 1, batch_size: 256 },
};
const WINDOW = {
  returns_1: [0.001, -0.002, 0.0005, 0, 0.003],
  returns_5: [0.01, 0, -0.01, 0.002, 0.004],
  zscore_20: [0.5, -1.2, 0.3, 2.1, -0.4],
};

describe('model aliases', () => {
  let t: TestApp;
  let cancelledVersion: string;

  const put = (alias: string, body: unknown, model = MODEL) =>
    t.fetch(`/api/v1/models/${model}/aliases/${alias}`, { method: 'PUT', json: body });
  const del = (alias: string, model = MODEL) =>
    t.fetch(`/api/v1/models/${model}/aliases/${alias}`, { method: 'DELETE' });
  const predict = (body: Record<string, unknown>, model = MODEL) =>
    t.fetch(`/api/v1/models/${model}/predict`, {
      method: 'POST',
      json: { symbol: 'EUR/USD', timeframe: '1d', features: WINDOW, ...body },
    });
  const history = async (query = '') => (await t.fetch(`/api/v1/models/${MODEL}/history${query}`)).json();
  const envelope = async (res: JsonResponse, status: number, code: string) => {
    const body = await res.json();
    expect({ status: res.status, code: body.error_code }).toEqual({ status, code });
    expect(Object.keys(body).sort()).toEqual(['correlation_id', 'details', 'error_code', 'error_type', 'message']);
    return body;
  };

  beforeAll(async () => {
    t = await startTestApp({ MAX_TRAINING_MEMORY: '8', TRAINING_CONCURRENCY: '1' });
    await importDaily(t, 'EUR/USD', dailyCsv(randomWalk(700, 5)));
    const submit = async () => {
      const res = await t.fetch('/api/v1/models/train', { method: 'POST', json: trainBody });
      if (res.status !== 202) throw new Error(`train: ${res.status} ${await res.text()}`);
      return res.json();
    };
    const first = await submit();
    const second = await submit();
    // A third, cancelled while the first two hold the only training slot: a version that never trained.
    const third = await submit();
    await t.fetch(`/api/v1/training/jobs/${third.job_id}/cancel`, { method: 'POST' });
    for (const job of [first, second]) expect((await waitForJob(t, job.job_id)).status).toBe('succeeded');
    expect((await waitForJob(t, third.job_id)).status).toBe('cancelled');
    expect([first.version, second.version]).toEqual(['1.0.0', '1.1.0']);
    cancelledVersion = third.version;
  }, 180_000);

  afterAll(async () => {
    await t?.close();
  });

  it('sets an alias: 200 with it; the alias list, the model and the version show it', async () => {
    const res = await put('champion', { version: '1.0.0' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({
      model_id: MODEL,
      alias: 'champion',
      version: '1.0.0',
      previous_version: null,
      changed: true,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(new Date(body.created_at).toISOString()).toBe(body.created_at);

    const list = await (await t.fetch(`/api/v1/models/${MODEL}/aliases`)).json();
    expect(list).toEqual({
      model_id: MODEL,
      aliases: [
        {
          model_id: MODEL,
          alias: 'champion',
          version: '1.0.0',
          created_at: body.created_at,
          updated_at: body.updated_at,
        },
      ],
    });
    const model = await (await t.fetch(`/api/v1/models/${MODEL}`)).json();
    expect(model.aliases).toEqual([{ alias: 'champion', version: '1.0.0' }]);
    expect(
      Object.fromEntries(model.versions.map((v: { version: string; aliases: string[] }) => [v.version, v.aliases])),
    ).toEqual({ '1.0.0': ['champion'], '1.1.0': [], [cancelledVersion]: [] });
    expect((await (await t.fetch(`/api/v1/models/${MODEL}/versions/1.0.0`)).json()).aliases).toEqual(['champion']);
  });

  it('predict with "@champion" answers with the version it points at, and with the new one as soon as it moves', async () => {
    const before = await predict({ version: '@champion' });
    expect(before.status).toBe(200);
    expect(before.headers.get('x-model-version')).toBe('1.0.0');
    expect(await before.json()).toMatchObject({ model_id: MODEL, version: '1.0.0', alias: 'champion' });
    // The same request again is served from the cached resolution; moving the alias must drop it.
    expect((await (await predict({ version: '@champion' })).json()).version).toBe('1.0.0');

    const moved = await (await put('champion', { version: '1.1.0' })).json();
    expect(moved).toMatchObject({ alias: 'champion', version: '1.1.0', previous_version: '1.0.0', changed: true });
    const after = await predict({ version: '@champion' });
    expect(after.headers.get('x-model-version')).toBe('1.1.0');
    expect(await after.json()).toMatchObject({ version: '1.1.0', alias: 'champion' });
    // The batch form too; an explicit version still answers without the alias field.
    const batch = await (
      await t.fetch(`/api/v1/models/${MODEL}/predict`, {
        method: 'POST',
        json: { symbol: 'EUR/USD', timeframe: '1d', version: '@champion', instances: [{ features: WINDOW }] },
      })
    ).json();
    expect(batch).toMatchObject({ version: '1.1.0', alias: 'champion', count: 1 });
    const plain = await (await predict({ version: '1.0.0' })).json();
    expect(plain.version).toBe('1.0.0');
    expect(plain).not.toHaveProperty('alias');
  });

  it('setting an alias to the version it has changes and records nothing', async () => {
    const { total } = await history();
    const again = await (await put('champion', { version: '1.1.0' })).json();
    expect(again).toMatchObject({ version: '1.1.0', previous_version: '1.1.0', changed: false });
    expect((await history()).total).toBe(total);
  });

  it("records every set and move in the model's history, newest first, filterable", async () => {
    await put('challenger', { version: '1.0.0' });
    const h = await history();
    expect(h).toMatchObject({ model_id: MODEL, total: 3, limit: 50, offset: 0 });
    expect(
      h.events.map((e: Record<string, unknown>) => [e.event, e.alias, e.previous_version, e.version, e.reason]),
    ).toEqual([
      ['alias_set', 'challenger', null, '1.0.0', null],
      ['alias_moved', 'champion', '1.0.0', '1.1.0', null],
      ['alias_set', 'champion', null, '1.0.0', null],
    ]);
    expect(h.events[0].id).toBeGreaterThan(h.events[1].id);
    expect((await history('?alias=champion')).events.map((e: { event: string }) => e.event)).toEqual([
      'alias_moved',
      'alias_set',
    ]);
    expect((await history('?event=alias_moved')).total).toBe(1);
    expect((await history('?limit=1&offset=1')).events.map((e: { alias: string }) => e.alias)).toEqual(['champion']);
  });

  it('deploy with "@challenger" deploys the version it points at; moving the alias later does not redeploy', async () => {
    const res = await t.fetch(`/api/v1/models/${MODEL}/deploy`, {
      method: 'POST',
      json: { version: '@challenger', deployment_target: 'strategy_engine' },
    });
    expect(res.status).toBe(201);
    const deployment = await res.json();
    expect(deployment).toMatchObject({ model_id: MODEL, version: '1.0.0', status: 'active' });
    await put('challenger', { version: '1.1.0' });
    expect((await (await t.fetch(`/api/v1/deployments/${deployment.id}`)).json()).version).toBe('1.0.0');
    expect((await (await predict({ target: 'strategy_engine' })).json()).version).toBe('1.0.0');
    // An alias that names another version than the target serves is the same 422 as a version would be.
    await envelope(
      await predict({ target: 'strategy_engine', version: '@challenger' }),
      422,
      'VERSION_TARGET_MISMATCH',
    );
    await envelope(
      await t.fetch(`/api/v1/models/${MODEL}/deploy`, {
        method: 'POST',
        json: { version: '@nobody', deployment_target: 'strategy_engine' },
      }),
      404,
      'ALIAS_NOT_FOUND',
    );
    await envelope(
      await t.fetch(`/api/v1/models/${MODEL}/deploy`, {
        method: 'POST',
        json: { version: '@Nobody', deployment_target: 'strategy_engine' },
      }),
      422,
      'VALIDATION_FAILED',
    );
    expect((await t.fetch(`/api/v1/deployments/${deployment.id}/undeploy`, { method: 'POST' })).status).toBe(200);
  });

  it('bad alias names, versions and models are clear 4xx in the error envelope; nothing is recorded', async () => {
    const { total } = await history();
    for (const name of ['Champion', '1.2.0', 'v1', 'latest', '_x', 'a.b', '%40champion', 'x'.repeat(65)]) {
      const body = await envelope(await put(name, { version: '1.0.0' }), 422, 'INVALID_ALIAS');
      expect(body.details).toMatchObject({ field: 'alias' });
      await envelope(await del(name), 422, 'INVALID_ALIAS');
    }
    for (const bad of [
      {},
      { version: '1.0' },
      { version: '@champion' },
      { version: 1 },
      { version: '1.0.0', extra: true },
    ]) {
      const body = await envelope(await put('champion', bad), 422, 'VALIDATION_FAILED');
      expect(body.details.fields.length).toBeGreaterThan(0);
    }
    await envelope(await put('champion', { version: '9.9.9' }), 404, 'VERSION_NOT_FOUND');
    const notTrained = await envelope(
      await put('champion', { version: cancelledVersion }),
      409,
      'VERSION_NOT_SERVABLE',
    );
    expect(notTrained.details).toMatchObject({ version: cancelledVersion, status: 'cancelled' });
    await envelope(await put('champion', { version: '1.0.0' }, 'no_such_model'), 404, 'MODEL_NOT_FOUND');
    await envelope(await del('champion', 'no_such_model'), 404, 'MODEL_NOT_FOUND');
    await envelope(await t.fetch('/api/v1/models/no_such_model/aliases'), 404, 'MODEL_NOT_FOUND');
    await envelope(await t.fetch('/api/v1/models/no_such_model/history'), 404, 'MODEL_NOT_FOUND');
    await envelope(await t.fetch(`/api/v1/models/${MODEL}/history?event=deployed`), 422, 'VALIDATION_FAILED');
    await envelope(await del('nobody'), 404, 'ALIAS_NOT_FOUND');
    const unknown = await envelope(await predict({ version: '@nobody' }), 404, 'ALIAS_NOT_FOUND');
    expect(unknown.details).toEqual({ model_id: MODEL, alias: 'nobody', aliases: ['challenger', 'champion'] });
    await envelope(await predict({ version: '@champion' }, 'no_such_model'), 404, 'MODEL_NOT_FOUND');
    for (const version of ['@Champion', '@', '@latest', 'champion'])
      await envelope(await predict({ version }), 422, 'VALIDATION_FAILED');
    expect((await history()).total).toBe(total);
  });

  it('removes an alias: 200 with what it was; "@alias" is then a 404, and the removal is in the history', async () => {
    const res = await del('challenger');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ model_id: MODEL, alias: 'challenger', version: '1.1.0', removed: true });
    await envelope(await predict({ version: '@challenger' }), 404, 'ALIAS_NOT_FOUND');
    await envelope(await del('challenger'), 404, 'ALIAS_NOT_FOUND');
    expect((await history()).events[0]).toMatchObject({
      event: 'alias_removed',
      alias: 'challenger',
      previous_version: '1.1.0',
      version: null,
      reason: null,
    });
    expect(
      (await (await t.fetch(`/api/v1/models/${MODEL}/aliases`)).json()).aliases.map((a: { alias: string }) => a.alias),
    ).toEqual(['champion']);
  });

  it('a model holds at most 32 aliases; archiving it removes them all (recorded), and no alias can be set on it again', async () => {
    for (let i = 1; i < 32; i++) expect((await put(`a${i}`, { version: i % 2 ? '1.0.0' : '1.1.0' })).status).toBe(200);
    await envelope(await put('one-too-many', { version: '1.0.0' }), 409, 'TOO_MANY_ALIASES');
    expect((await put('champion', { version: '1.0.0' })).status).toBe(200); // moving one is still allowed

    const archived = await t.fetch(`/api/v1/models/${MODEL}`, { method: 'DELETE' });
    expect(await archived.json()).toEqual({ id: MODEL, archived: true });
    expect((await (await t.fetch(`/api/v1/models/${MODEL}/aliases`)).json()).aliases).toEqual([]);
    const removed = await history('?event=alias_removed&limit=500');
    expect(removed.events.filter((e: { reason: string | null }) => e.reason === 'model_archived')).toHaveLength(32);
    await envelope(await predict({ version: '@champion' }), 404, 'ALIAS_NOT_FOUND');
    await envelope(await put('champion', { version: '1.0.0' }), 409, 'MODEL_ARCHIVED');
  });

  it('documents the alias routes in the OpenAPI document with examples', async () => {
    const doc = await (await t.fetch('/docs-json')).json();
    const item = doc.paths['/api/v1/models/{model_id}/aliases/{alias}'];
    expect(Object.keys(item).sort()).toEqual(['delete', 'put']);
    expect(item.put.parameters.find((p: { name: string }) => p.name === 'alias').schema).toMatchObject({
      pattern: expect.any(String),
      example: 'champion',
    });
    expect(Object.keys(item.put.responses)).toEqual(expect.arrayContaining(['200', '404', '409', '422']));
    expect(doc.paths['/api/v1/models/{model_id}/aliases'].get).toBeDefined();
    expect(doc.paths['/api/v1/models/{model_id}/history'].get).toBeDefined();
    expect(
      doc.paths['/api/v1/models/{model_id}/predict'].post.requestBody.content['application/json'].examples.by_alias
        .value.version,
    ).toBe('@champion');
  });
});
