import { inMemoryExperimentsService } from '../testing-setup';

/** A training job's run as a user sees it through the API (GET /runs/:id), on the in-memory repositories. */
describe('runs of training jobs', () => {
  async function trainingRun() {
    const { service, store } = inMemoryExperimentsService();
    const run = await service.createRun({
      experimentName: 'fx-lstm',
      name: 'eurusd@1',
      params: { epochs: 3, layers: [64, 32], architecture: 'lstm' },
      modelId: 'eurusd',
      modelVersion: '1',
    });
    return { service, store, run };
  }

  it('is SCHEDULED in its experiment (created on first use), params as strings', async () => {
    const { service, run } = await trainingRun();
    const view = await service.getRun(run.id);
    expect(view).toMatchObject({
      status: 'SCHEDULED',
      end_time: null,
      params: { epochs: '3', layers: '[64,32]', architecture: 'lstm' },
      lifecycle_stage: 'active',
      mlflow_sync_state: null,
    });
    const experiment = await service.getExperimentByName('fx-lstm');
    expect(view.experiment_id).toBe(experiment.id);
    expect(experiment.run_count).toBe(1);
    // The same name again is the same experiment.
    const second = await service.createRun({ experimentName: 'fx-lstm', name: 'eurusd@2', params: {} });
    expect(second.experiment_id).toBe(experiment.id);
  });

  it('is RUNNING with its attempt tagged once the attempt starts, and FINISHED with its results after', async () => {
    const { service, run } = await trainingRun();
    await service.startAttempt(run.id, 1);
    expect(await service.getRun(run.id)).toMatchObject({ status: 'RUNNING', tags: { attempt: '1' }, end_time: null });

    await service.logMetrics(run.id, { loss: 0.5 }, 0);
    await service.finishRun(run.id, 'FINISHED', {
      metrics: { test_rmse: 0.01 },
      artifacts: ['eurusd/1/model/model.json'],
      tags: { engine: 'tfjs' },
    });
    const view = await service.getRun(run.id);
    expect(view.status).toBe('FINISHED');
    expect(view.end_time).not.toBeNull();
    expect(view.metrics).toEqual({ loss: 0.5, test_rmse: 0.01 });
    expect(view.tags).toEqual({ attempt: '1', engine: 'tfjs' });
    expect(view.artifacts).toEqual(['eurusd/1/model/model.json']);
  });

  it('keeps its artifacts when a failure names none', async () => {
    const { service, run } = await trainingRun();
    await service.finishRun(run.id, 'FINISHED', { artifacts: ['eurusd/1/model/model.json'] });
    await service.finishRun(run.id, 'FAILED');
    expect(await service.getRun(run.id)).toMatchObject({ status: 'FAILED', artifacts: ['eurusd/1/model/model.json'] });
  });

  it('goes back to SCHEDULED (no end time) when its job is requeued', async () => {
    const { service, run } = await trainingRun();
    await service.startAttempt(run.id, 1);
    await service.setStatus(run.id, 'SCHEDULED');
    expect(await service.getRun(run.id)).toMatchObject({ status: 'SCHEDULED', end_time: null });
    await service.setStatus(run.id, 'KILLED', true);
    expect((await service.getRun(run.id)).end_time).not.toBeNull();
  });

  it('is hidden from its experiment once deleted, and back when restored', async () => {
    const { service, run } = await trainingRun();
    expect((await service.setRunDeleted(run.id, true)).lifecycle_stage).toBe('deleted');
    expect((await service.listRuns(run.experiment_id)).runs).toEqual([]);
    expect((await service.getExperimentView(run.experiment_id)).run_count).toBe(0);
    await expect(service.setTags(run.id, { a: 'b' })).rejects.toMatchObject({ errorCode: 'RUN_DELETED' });
    await service.setRunDeleted(run.id, false);
    expect((await service.listRuns(run.experiment_id)).runs.map((r) => r.id)).toEqual([run.id]);
  });
});

describe('runs logged from outside', () => {
  it('keep params immutable: a different value is refused and nothing of the call is stored', async () => {
    const { service } = inMemoryExperimentsService();
    const experiment = await service.createExperiment('outside');
    const run = await service.createExternalRun(experiment.id, { name: 'r1', params: { lr: '0.1' } });
    expect(run.status).toBe('RUNNING');
    await service.logParams(run.id, { lr: '0.1', batch: '32' });
    await expect(service.logParams(run.id, { lr: '0.2', window: '10' })).rejects.toMatchObject({
      status: 409,
      errorCode: 'PARAM_IMMUTABLE',
      details: { params: [{ key: 'lr', existing: '0.1', new: '0.2' }] },
    });
    expect((await service.getRun(run.id)).params).toEqual({ lr: '0.1', batch: '32' });
  });

  it('end when given a final status, and lose a tag only when it exists', async () => {
    const { service } = inMemoryExperimentsService();
    const experiment = await service.createExperiment('outside');
    const run = await service.createExternalRun(experiment.id, { startTime: 1_700_000_000_000, tags: { a: '1' } });
    expect(run.name).toMatch(/^run-\d{8}T\d{6}$/);
    expect(run.start_time).toBe('2023-11-14T22:13:20.000Z');
    const ended = await service.updateRun(run.id, { status: 'FINISHED', endTime: 1_700_000_060_000 });
    expect(ended).toMatchObject({ status: 'FINISHED', end_time: '2023-11-14T22:14:20.000Z' });
    // Back to RUNNING clears the end time.
    expect((await service.updateRun(run.id, { status: 'RUNNING' })).end_time).toBeNull();
    expect((await service.deleteTag(run.id, 'a')).tags).toEqual({});
    await expect(service.deleteTag(run.id, 'constructor')).rejects.toMatchObject({ errorCode: 'TAG_NOT_FOUND' });
  });

  it('cannot be logged to an archived experiment', async () => {
    const { service } = inMemoryExperimentsService();
    const experiment = await service.createExperiment('old');
    await service.setExperimentArchived(experiment.id, true);
    await expect(service.createExternalRun(experiment.id, {})).rejects.toMatchObject({
      status: 409,
      errorCode: 'EXPERIMENT_ARCHIVED',
    });
  });
});
