import { inMemoryExperimentsService } from '../testing-setup';

/** Metric histories as a user reads them (GET /runs/:id, …/metrics/:key), on the in-memory repositories. */
describe('metric history', () => {
  async function runningRun() {
    const { service, store } = inMemoryExperimentsService();
    const run = await service.createRun({ experimentName: 'm', name: 'r', params: {} });
    await service.startAttempt(run.id, 1);
    return { service, store, runId: run.id };
  }

  it("holds one point per epoch in step order; the run's metrics are the last epoch's", async () => {
    const { service, runId } = await runningRun();
    for (const [step, loss] of [0.9, 0.5, 0.3].entries())
      await service.logMetrics(runId, { loss, val_loss: step === 1 ? null : loss + 0.1, lr: Number.NaN }, step);
    const run = await service.getRun(runId);
    expect(run.metric_history.loss.map((p) => [p.step, p.value])).toEqual([
      [0, 0.9],
      [1, 0.5],
      [2, 0.3],
    ]);
    // Missing and non-finite values are not points.
    expect(run.metric_history.val_loss.map((p) => p.step)).toEqual([0, 2]);
    expect(run.metric_history.lr).toBeUndefined();
    expect(run.metrics).toEqual({ loss: 0.3, val_loss: 0.4 });
  });

  it('starts afresh on a retried attempt: steps from 0 again, nothing of the interrupted attempt', async () => {
    const { service, runId } = await runningRun();
    for (const step of [0, 1, 2]) await service.logMetrics(runId, { loss: 1 - step / 10, acc: 0.5 }, step);
    await service.startAttempt(runId, 2);
    const restarted = await service.getRun(runId);
    expect(restarted).toMatchObject({ status: 'RUNNING', tags: { attempt: '2' }, metrics: {} });
    expect(restarted.metric_history).toEqual({});

    await service.logMetrics(runId, { loss: 0.7 }, 0);
    await service.logMetrics(runId, { loss: 0.6 }, 1);
    const run = await service.getRun(runId);
    expect(run.metric_history.loss.map((p) => [p.step, p.value])).toEqual([
      [0, 0.7],
      [1, 0.6],
    ]);
    expect(run.metrics).toEqual({ loss: 0.6 });
    const history = await service.metricHistory(runId, 'loss');
    expect(history.history.map((p) => p.step)).toEqual([0, 1]);
    await expect(service.metricHistory(runId, 'acc')).rejects.toMatchObject({ errorCode: 'METRIC_NOT_FOUND' });
  });

  it('is kept when the first attempt starts (only a retry drops it)', async () => {
    const { service, runId } = await runningRun();
    await service.logMetrics(runId, { loss: 0.9 }, 0);
    await service.startAttempt(runId, 1);
    expect((await service.metricHistory(runId, 'loss')).history).toHaveLength(1);
  });

  it("applies one run's epochs in call order, one write after the other, a failed write not blocking the next", async () => {
    const { service, store, runId } = await runningRun();
    const append = store.metrics.append.bind(store.metrics);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    let failed = false;
    jest.spyOn(store.metrics, 'append').mockImplementation(async (id, values) => {
      calls++;
      if (calls === 1) await gate;
      if (calls === 2 && !failed) {
        failed = true;
        throw new Error('database went away');
      }
      return append(id, values);
    });
    const first = service.logMetrics(runId, { loss: 0.9 }, 0);
    const second = service.logMetrics(runId, { loss: 0.8 }, 1);
    const third = service.logMetrics(runId, { loss: 0.7 }, 2);
    await new Promise((r) => setImmediate(r));
    // The second write waits for the first, however long the first takes.
    expect(calls).toBe(1);
    release();
    await first;
    await expect(second).rejects.toThrow('database went away');
    await third;
    const stored = store.metricRows.filter((m) => m.run_id === runId);
    expect(stored.map((m) => m.step)).toEqual([0, 2]);
    expect((await service.getRun(runId)).metrics).toEqual({ loss: 0.7 });
  });

  it('takes points from outside in any order: history by step, latest value at the highest step', async () => {
    const { service } = inMemoryExperimentsService();
    const experiment = await service.createExperiment('outside');
    const run = await service.createExternalRun(experiment.id, {});
    await service.logMetricPoints(run.id, [
      { key: 'sharpe', value: 1.5, step: 5, timestamp: 2000 },
      { key: 'sharpe', value: 0.5, step: 1, timestamp: 3000 },
      { key: 'sharpe', value: 1.1, step: 5, timestamp: 1000 },
    ]);
    await service.logMetricPoints(run.id, [{ key: 'sharpe', value: 0.2, step: 2 }]);
    expect((await service.getRun(run.id)).metrics).toEqual({ sharpe: 1.5 });
    const page = await service.metricHistory(run.id, 'sharpe', { limit: 3 });
    expect(page.history.map((p) => [p.step, p.value])).toEqual([
      [1, 0.5],
      [2, 0.2],
      [5, 1.1],
    ]);
    expect(page.more).toBe(true);
    const rest = await service.metricHistory(run.id, 'sharpe', { limit: 3, offset: 3 });
    expect(rest.history.map((p) => p.value)).toEqual([1.5]);
    expect(rest.more).toBe(false);
    await expect(service.logMetricPoints(run.id, [{ key: 'x', value: Infinity }])).rejects.toMatchObject({
      errorCode: 'INVALID_METRIC',
    });
  });

  it('answers a final metric without history once, at step 0', async () => {
    const { service, runId } = await runningRun();
    await service.finishRun(runId, 'FINISHED', { metrics: { test_rmse: 0.02 } });
    const { history } = await service.metricHistory(runId, 'test_rmse');
    expect(history).toEqual([{ step: 0, value: 0.02, timestamp: expect.any(String) as string }]);
  });
});
