import { inMemoryExperimentsService } from './testing-setup';

/** Experiments (GET/POST/PATCH /experiments, MLflow experiments/*), on the in-memory repositories. */
describe('experiments', () => {
  it('have unique names: a second one with the name is refused', async () => {
    const { service } = inMemoryExperimentsService();
    const e = await service.createExperiment('  fx  ', { desk: 'london' });
    expect(e).toMatchObject({ name: 'fx', tags: { desk: 'london' }, run_count: 0, lifecycle_stage: 'active' });
    await expect(service.createExperiment('fx')).rejects.toMatchObject({ status: 409, errorCode: 'EXPERIMENT_EXISTS' });
  });

  it('are renamed and tagged together, or not at all', async () => {
    const { service } = inMemoryExperimentsService();
    const a = await service.createExperiment('a', { keep: '1', drop: '2' });
    await service.createExperiment('b');
    await expect(service.updateExperiment(a.id, { name: 'b', tags: { x: 'y' } })).rejects.toMatchObject({
      errorCode: 'EXPERIMENT_EXISTS',
    });
    expect(await service.getExperimentView(a.id)).toMatchObject({ name: 'a', tags: { keep: '1', drop: '2' } });
    const renamed = await service.updateExperiment(a.id, { name: 'c', tags: { drop: null, x: 'y' } });
    expect(renamed).toMatchObject({ name: 'c', tags: { keep: '1', x: 'y' } });
    // Invalid tags are refused before the rename is stored.
    await expect(service.updateExperiment(a.id, { name: 'd', tags: { 'bad..key': 'v' } })).rejects.toMatchObject({
      errorCode: 'INVALID_KEY',
    });
    expect((await service.getExperimentView(a.id)).name).toBe('c');
  });

  it('are listed oldest first and by lifecycle once archived', async () => {
    const { service } = inMemoryExperimentsService();
    const first = await service.createExperiment('first');
    await service.createExperiment('second');
    await service.setExperimentArchived(first.id, true);
    expect((await service.listExperiments()).experiments.map((e) => e.name)).toEqual(['second']);
    const archived = await service.listExperiments('deleted');
    expect(archived).toMatchObject({ total: 1, experiments: [{ name: 'first', lifecycle_stage: 'deleted' }] });
    expect((await service.listExperiments('all', { limit: 1 })).total).toBe(2);
  });

  it('are searched by name and tag conditions, one page at a time', async () => {
    const { service } = inMemoryExperimentsService();
    await service.createExperiment('fx-lstm', { desk: 'ldn' });
    await service.createExperiment('fx-gru', { desk: 'nyc' });
    await service.createExperiment('rates');
    const found = await service.findExperiments({
      lifecycle: 'active',
      conditions: [{ column: 'name', op: 'LIKE', value: 'fx-%' }],
      order: [{ field: 'name', direction: 'ASC' }],
      limit: 1,
      offset: 0,
    });
    expect(found.experiments.map((e) => e.name)).toEqual(['fx-gru']);
    expect(found.more).toBe(true);
    const byTag = await service.findExperiments({
      lifecycle: 'active',
      conditions: [{ column: 'tag', key: 'desk', op: '=', value: 'ldn' }],
      order: [],
      limit: 10,
      offset: 0,
    });
    expect(byTag).toEqual({ experiments: [expect.objectContaining({ name: 'fx-lstm' })], more: false });
  });

  it('answer 404 for an unknown id or name', async () => {
    const { service } = inMemoryExperimentsService();
    await expect(service.getExperiment('nope')).rejects.toMatchObject({
      status: 404,
      errorCode: 'EXPERIMENT_NOT_FOUND',
    });
    await expect(service.getExperimentByName('nope')).rejects.toMatchObject({ errorCode: 'EXPERIMENT_NOT_FOUND' });
  });
});
