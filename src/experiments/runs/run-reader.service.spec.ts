import { inMemoryExperimentsService } from '../testing-setup';

/** Searching and comparing runs (GET /experiments/:id/runs, …/compare), on the in-memory repositories. */
describe('run search', () => {
  async function experimentWithRuns() {
    const { service } = inMemoryExperimentsService();
    const experiment = await service.createExperiment('search');
    const make = async (
      name: string,
      start: number,
      fields: { params?: Record<string, string>; tags?: Record<string, string>; acc?: number; status?: 'FINISHED' },
    ) => {
      const run = await service.createExternalRun(experiment.id, {
        name,
        startTime: start,
        params: fields.params,
        tags: fields.tags,
      });
      if (fields.acc !== undefined) await service.logMetricPoints(run.id, [{ key: 'acc', value: fields.acc }]);
      if (fields.status) await service.updateRun(run.id, { status: fields.status });
      return run.id;
    };
    const gru = await make('gru-a', 1000, {
      params: { arch: 'gru' },
      tags: { team: 'fx' },
      acc: 0.7,
      status: 'FINISHED',
    });
    const lstm = await make('lstm-a', 2000, { params: { arch: 'lstm' }, tags: { team: 'Fixed' }, acc: 0.4 });
    const bare = await make('bare', 3000, {});
    return { service, experimentId: experiment.id, gru, lstm, bare };
  }

  const names = (r: { runs: Array<{ name: string }> }) => r.runs.map((x) => x.name);

  it('lists an experiment’s runs newest first, with the total over all pages', async () => {
    const { service, experimentId } = await experimentWithRuns();
    const page = await service.listRuns(experimentId, { limit: 2 });
    expect(names(page)).toEqual(['bare', 'lstm-a']);
    expect(page.total).toBe(3);
    expect(names(await service.listRuns(experimentId, { limit: 2, offset: 2 }))).toEqual(['gru-a']);
  });

  it('filters by metrics, params, tags and attributes; a run without the key matches no comparison', async () => {
    const { service, experimentId, gru } = await experimentWithRuns();
    const filter = async (f: string) => names(await service.listRuns(experimentId, { filter: f }));
    expect(await filter('metrics.acc > 0.5')).toEqual(['gru-a']);
    expect(await filter('metrics.acc != 0.7')).toEqual(['lstm-a']);
    expect(await filter("params.arch = 'lstm'")).toEqual(['lstm-a']);
    expect(await filter("params.arch != 'lstm'")).toEqual(['gru-a']);
    expect(await filter("tags.team LIKE 'F%'")).toEqual(['lstm-a']);
    expect(await filter("tags.team ILIKE 'f%'")).toEqual(['lstm-a', 'gru-a']);
    expect(await filter("attributes.status = 'FINISHED'")).toEqual(['gru-a']);
    expect(await filter(`attributes.run_id IN ('${gru}')`)).toEqual(['gru-a']);
    expect(await filter('attributes.start_time >= 2000 AND metrics.acc < 1')).toEqual(['lstm-a']);
    expect(await filter("run_name LIKE '%-a'")).toEqual(['lstm-a', 'gru-a']);
  });

  it('filters by status list and orders by a metric, runs without it last', async () => {
    const { service, experimentId } = await experimentWithRuns();
    expect(names(await service.listRuns(experimentId, { status: 'running, finished' }))).toHaveLength(3);
    expect(names(await service.listRuns(experimentId, { status: 'FINISHED' }))).toEqual(['gru-a']);
    expect(names(await service.listRuns(experimentId, { orderBy: 'metrics.acc ASC' }))).toEqual([
      'lstm-a',
      'gru-a',
      'bare',
    ]);
    expect(names(await service.listRuns(experimentId, { orderBy: 'metrics.acc DESC' }))).toEqual([
      'gru-a',
      'lstm-a',
      'bare',
    ]);
    await expect(service.listRuns(experimentId, { status: 'DONE' })).rejects.toMatchObject({
      errorCode: 'VALIDATION_FAILED',
    });
  });

  it('shows deleted runs only when asked for them', async () => {
    const { service, experimentId, lstm } = await experimentWithRuns();
    await service.setRunDeleted(lstm, true);
    expect(names(await service.listRuns(experimentId))).toEqual(['bare', 'gru-a']);
    expect(names(await service.listRuns(experimentId, { lifecycle: 'deleted' }))).toEqual(['lstm-a']);
    expect((await service.listRuns(experimentId, { lifecycle: 'all' })).total).toBe(3);
  });

  it('refuses a filter it cannot read with the position of the problem', async () => {
    const { service, experimentId } = await experimentWithRuns();
    await expect(service.listRuns(experimentId, { filter: 'metrics.acc >' })).rejects.toMatchObject({
      status: 422,
      errorCode: 'INVALID_FILTER',
      details: { field: 'filter', position: expect.any(Number) as number },
    });
    await expect(service.listRuns('00000000-0000-4000-8000-999999999999')).rejects.toMatchObject({
      errorCode: 'EXPERIMENT_NOT_FOUND',
    });
  });

  it('searches across experiments, ignoring ids that are not uuids', async () => {
    const { service, experimentId } = await experimentWithRuns();
    const { runs, total } = await service.searchRuns({
      experimentIds: [experimentId, 'not-an-id'],
      filter: 'metrics.acc > 0',
      limit: 10,
      offset: 0,
    });
    expect(runs.map((r) => r.name)).toEqual(['lstm-a', 'gru-a']);
    expect(total).toBe(2);
    expect(await service.searchRuns({ experimentIds: ['1'], limit: 10, offset: 0 })).toEqual({ runs: [], total: 0 });
  });

  it('compares runs of one experiment only', async () => {
    const { service, experimentId, gru, lstm } = await experimentWithRuns();
    const other = await service.createExperiment('other');
    const stray = await service.createExternalRun(other.id, {});
    const comparison = await service.compare(experimentId, [gru, ` ${lstm} `, gru]);
    expect(comparison.runs.map((r) => r.id)).toEqual([gru, lstm]);
    await expect(service.compare(experimentId, [gru, stray.id])).rejects.toMatchObject({
      errorCode: 'RUN_NOT_IN_EXPERIMENT',
    });
    await expect(service.compare(experimentId, [' '])).rejects.toMatchObject({ errorCode: 'VALIDATION_FAILED' });
  });
});
