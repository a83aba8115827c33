import { startTestApp, type TestApp } from './support/test-app';

// The npm MLflow client (a third party's reading of MLflow's REST API). It logs every body to
// the console and has two known bugs we work around here, without copying them: its
// setExperimentTag URL lacks a slash, and Experiments.list() calls experiments/list, which
// MLflow 2 removed (experiments/search replaced it). Both are called through its req() instead.
const MLflow = require('mlflow');

const API_KEY = 'mlflow-test-key-123';
/** The client's errors are Error('Error: {"status","statusText","data"}'). */
async function clientError(p: Promise<unknown>): Promise<{ status: number; data: any }> {
  try {
    await p;
  } catch (e) {
    return JSON.parse((e as Error).message.replace(/^Error: /, ''));
  }
  throw new Error('expected the call to fail');
}

describe('MLflow-compatible tracking API, used by the npm mlflow client', () => {
  let t: TestApp;
  let client: any;
  beforeAll(async () => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    t = await startTestApp({ API_KEY });
    client = new MLflow({ endpoint: t.url, headers: { Authorization: `Bearer ${API_KEY}` } });
  });
  afterAll(async () => {
    await t?.close();
    jest.restoreAllMocks();
  });

  it("creates and finds experiments; errors in MLflow's format", async () => {
    const { experiment_id } = await client.Experiments.create({ name: 'from-mlflow-client' });
    expect(typeof experiment_id).toBe('string');
    const { experiment } = await client.Experiments.get({ experiment_id });
    expect(experiment).toMatchObject({
      experiment_id,
      name: 'from-mlflow-client',
      lifecycle_stage: 'active',
      creation_time: expect.any(Number),
      tags: [],
    });
    expect(await clientError(client.Experiments.create({ name: 'from-mlflow-client' }))).toEqual({
      status: 400,
      statusText: 'Bad Request',
      data: { error_code: 'RESOURCE_ALREADY_EXISTS', message: expect.any(String) },
    });
    expect(await clientError(client.Experiments.get({ experiment_id: 'nope' }))).toMatchObject({
      status: 404,
      data: { error_code: 'RESOURCE_DOES_NOT_EXIST' },
    });

    const byName = await client.Experiments.req('get', '/get-by-name', { experiment_name: 'from-mlflow-client' });
    expect(byName.experiment.experiment_id).toBe(experiment_id);
    await client.Experiments.req('post', '/set-experiment-tag', { experiment_id, key: 'team', value: 'fx' });
    const searched = await client.Experiments.req('post', '/search', {
      filter: "name LIKE 'from-%' AND tags.team = 'fx'",
      max_results: 10,
    });
    expect(searched.experiments.map((e: { name: string }) => e.name)).toEqual(['from-mlflow-client']);
    expect((await client.Experiments.req('post', '/search', { filter: "name = 'none'" })).experiments).toEqual([]);
    expect(await clientError(client.Experiments.req('post', '/search', { filter: 'name ~ x' }))).toMatchObject({
      status: 400,
      data: { error_code: 'INVALID_PARAMETER_VALUE' },
    });

    // Exactly MLflow's error body, and the API key still applies.
    const raw = await fetch(`${t.url}/api/2.0/mlflow/runs/get?run_id=00000000-0000-0000-0000-000000000000`, {
      headers: { 'X-API-Key': API_KEY },
    });
    expect(raw.status).toBe(404);
    expect(Object.keys((await raw.json()) as object).sort()).toEqual(['error_code', 'message']);
    expect((await fetch(`${t.url}/api/2.0/mlflow/experiments/get?experiment_id=${experiment_id}`)).status).toBe(401);
  });

  it('logs a run (params, metrics with steps, tags, batch), reads it back, searches and finishes it', async () => {
    const { experiment_id } = await client.Experiments.create({ name: 'client-runs' });
    const start = Date.now() - 60_000;
    const { run } = await client.Runs.create({
      experiment_id,
      start_time: start,
      user_id: 'ana',
      tags: [{ key: 'mlflow.runName', value: 'gru-sweep-1' }],
    });
    const run_id = run.info.run_id;
    expect(run.info).toMatchObject({
      run_id,
      run_uuid: run_id,
      experiment_id,
      run_name: 'gru-sweep-1',
      status: 'RUNNING',
      start_time: start,
      lifecycle_stage: 'active',
      user_id: 'ana',
    });

    expect(await client.Runs.logParameter({ run_id, key: 'architecture', value: 'gru' })).toEqual({});
    expect(await client.Runs.logParameter({ run_id, key: 'architecture', value: 'gru' })).toEqual({});
    expect(await clientError(client.Runs.logParameter({ run_id, key: 'architecture', value: 'lstm' }))).toMatchObject({
      status: 400,
      data: { error_code: 'INVALID_PARAMETER_VALUE' },
    });
    for (const [step, value] of [
      [0, 0.9],
      [1, 0.4],
      [2, 0.15],
    ]) {
      expect(
        await client.Runs.logMetric({ run_id, key: 'val_loss', value, timestamp: start + step * 1000, step }),
      ).toEqual({});
    }
    await client.Runs.setTag({ run_id, key: 'stage', value: 'sweep' });
    await client.Runs.logBatch({
      run_id,
      metrics: [
        { key: 'sharpe', value: 1.2, timestamp: start, step: 0 },
        { key: 'sharpe', value: 1.4, timestamp: start + 1000, step: 1 },
      ],
      params: [
        { key: 'units', value: '32' },
        { key: 'lr', value: '0.001' },
      ],
      tags: [{ key: 'owner', value: 'ana' }],
    });
    const tooMany = Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'x' }));
    expect(await clientError(client.Runs.logBatch({ run_id, params: tooMany }))).toMatchObject({
      status: 400,
      data: { error_code: 'INVALID_PARAMETER_VALUE' },
    });
    expect(
      await clientError(client.Runs.logMetric({ run_id: 'nope', key: 'a', value: 1, timestamp: start })),
    ).toMatchObject({ status: 404, data: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });

    const got = (await client.Runs.get({ run_id })).run;
    expect(got.data.params).toEqual(
      expect.arrayContaining([
        { key: 'architecture', value: 'gru' },
        { key: 'units', value: '32' },
        { key: 'lr', value: '0.001' },
      ]),
    );
    expect(got.data.metrics).toEqual(
      expect.arrayContaining([
        { key: 'val_loss', value: 0.15, timestamp: start + 2000, step: 2 },
        { key: 'sharpe', value: 1.4, timestamp: start + 1000, step: 1 },
      ]),
    );
    expect(got.data.tags).toEqual(
      expect.arrayContaining([
        { key: 'stage', value: 'sweep' },
        { key: 'owner', value: 'ana' },
        { key: 'mlflow.runName', value: 'gru-sweep-1' },
      ]),
    );

    const history = await client.Metrics.getHistory({ run_id, metric_key: 'val_loss' });
    expect(history.metrics).toEqual(
      [0, 1, 2].map((step) => ({
        key: 'val_loss',
        value: [0.9, 0.4, 0.15][step],
        timestamp: start + step * 1000,
        step,
      })),
    );
    expect((await client.Metrics.getHistory({ run_id, metric_key: 'never' })).metrics).toEqual([]);

    const second = (
      await client.Runs.create({ experiment_id, tags: [{ key: 'mlflow.runName', value: 'gru-sweep-2' }] })
    ).run.info.run_id;
    await client.Runs.logBatch({
      run_id: second,
      metrics: [{ key: 'val_loss', value: 0.05, timestamp: Date.now(), step: 0 }],
      params: [{ key: 'architecture', value: 'gru' }],
    });
    const byLoss = await client.Runs.search({
      experiment_ids: [experiment_id],
      filter: "params.architecture = 'gru' AND metrics.val_loss < 0.2",
      order_by: ['metrics.val_loss ASC'],
    });
    expect(byLoss.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([second, run_id]);
    const page1 = await client.Runs.search({
      experiment_ids: [experiment_id],
      max_results: 1,
      order_by: ['metrics.val_loss DESC'],
    });
    expect(page1.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([run_id]);
    const page2 = await client.Runs.search({
      experiment_ids: [experiment_id],
      max_results: 1,
      order_by: ['metrics.val_loss DESC'],
      page_token: page1.next_page_token,
    });
    expect(page2.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([second]);
    expect(page2.next_page_token).toBeUndefined();
    expect(
      await clientError(client.Runs.search({ experiment_ids: [experiment_id], filter: 'metrics.val_loss <' })),
    ).toMatchObject({
      status: 400,
      data: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('position') },
    });

    const end = Date.now();
    const updated = await client.Runs.update({ run_id, status: 'FINISHED', end_time: end });
    expect(updated.run_info).toMatchObject({ run_id, status: 'FINISHED', end_time: end });
    expect(await clientError(client.Runs.update({ run_id, status: 'DONE' }))).toMatchObject({ status: 400 });

    // The same run through the service's own API.
    const ours = await (await t.fetch(`/api/v1/runs/${run_id}`, { headers: { 'X-API-Key': API_KEY } })).json();
    expect(ours).toMatchObject({
      name: 'gru-sweep-1',
      status: 'FINISHED',
      params: { architecture: 'gru', units: '32', lr: '0.001' },
      metrics: { val_loss: 0.15, sharpe: 1.4 },
    });
    expect(ours.metric_history.val_loss).toHaveLength(3);

    await client.Runs.delete({ run_id: second });
    expect((await client.Runs.search({ experiment_ids: [experiment_id] })).runs).toHaveLength(1);
    expect(
      (await client.Runs.search({ experiment_ids: [experiment_id], run_view_type: 'DELETED_ONLY' })).runs[0].info,
    ).toMatchObject({ run_id: second, lifecycle_stage: 'deleted' });
  });
});
