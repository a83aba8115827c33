import { ExperimentsRepository } from '../src/experiments/repositories/experiments.repository';
import { RunMetricsRepository } from '../src/experiments/repositories/run-metrics.repository';
import { RunsRepository } from '../src/experiments/repositories/runs.repository';
import { InMemoryExperimentStore } from '../src/experiments/repositories/testing/in-memory-store';
import { parseFilter, parseOrderBy } from '../src/experiments/search/run-filter';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The in-memory repositories the services' unit tests run on must answer as the SQL ones do:
 * the same writes and reads against both, compared (ids differ, so runs are named).
 */
interface Repos {
  experiments: ExperimentsRepository;
  runs: RunsRepository;
  metrics: RunMetricsRepository;
}

async function scenario(r: Repos) {
  const experiment = await r.experiments.ensure('contract');
  const other = await r.experiments.ensure('contract-other');
  const names = new Map<string, string>();
  const make = async (name: string, start: number, params: Record<string, string>, tags: Record<string, string>) => {
    const id = await r.runs.createExternal({
      experimentId: experiment.id,
      name,
      params,
      tags,
      startTime: new Date(start),
      mlflowSyncState: null,
    });
    names.set(id, name);
    return id;
  };
  const a = await make('a-gru', 1000, { arch: 'gru', lr: '0.1' }, { team: 'fx' });
  const b = await make('b-lstm', 2000, { arch: 'lstm' }, { team: 'Fixed income' });
  const c = await make('c_bare', 3000, {}, {});
  const at = (ms: number) => new Date(ms);
  await r.metrics.appendPoints(a, [
    { key: 'acc', value: 0.7, step: 2, timestamp: at(10) },
    { key: 'acc', value: 0.9, step: 1, timestamp: at(30) },
    { key: 'acc', value: 0.6, step: 2, timestamp: at(5) },
  ]);
  await r.metrics.appendPoints(b, [{ key: 'acc', value: 0.4, step: 0, timestamp: at(1) }]);
  await r.metrics.append(b, [
    { key: 'loss', value: 0.5, step: 0, timestamp: at(2) },
    { key: 'loss', value: 0.3, step: 1, timestamp: at(3) },
  ]);
  await r.runs.update(a, { status: 'FINISHED', name: 'a-gru', endTime: at(5000) });
  await r.runs.setDeleted(c, true);

  const search = async (filter: string, orderBy: string | undefined, lifecycle: 'active' | 'deleted' | 'all') => {
    const { runs, total } = await r.runs.search({
      experimentIds: [experiment.id, other.id],
      lifecycle,
      statuses: [],
      clauses: parseFilter(filter),
      order: parseOrderBy(orderBy),
      limit: 10,
      offset: 0,
    });
    return { names: runs.map((x) => x.name), total };
  };
  const searches = {
    all: await search('', undefined, 'all'),
    active: await search('', undefined, 'active'),
    deleted: await search('', undefined, 'deleted'),
    accAbove: await search('metrics.acc > 0.5', undefined, 'all'),
    accNot: await search('metrics.acc != 0.7', undefined, 'all'),
    paramNot: await search("params.arch != 'gru'", undefined, 'all'),
    tagLike: await search("tags.team LIKE 'F%'", undefined, 'all'),
    tagIlike: await search("tags.team ILIKE 'f%'", undefined, 'all'),
    nameUnderscore: await search("run_name LIKE '_\\_bare'", undefined, 'all'),
    statusIn: await search("attributes.status IN ('FINISHED', 'KILLED')", undefined, 'all'),
    statusNotIn: await search("attributes.status NOT IN ('FINISHED')", undefined, 'all'),
    endTime: await search('attributes.end_time > 4000', undefined, 'all'),
    startTime: await search('attributes.start_time <= 2000', undefined, 'all'),
    byAccAsc: await search('', 'metrics.acc ASC', 'all'),
    byAccDesc: await search('', 'metrics.acc DESC', 'all'),
    byParam: await search('', 'params.arch DESC', 'all'),
    byName: await search('', 'attributes.run_name ASC', 'all'),
  };
  const strip = (rows: Array<{ run_id: string; key: string; value: number; step: number; timestamp: Date }>) =>
    rows.map((m) => ({
      run: names.get(m.run_id),
      key: m.key,
      value: m.value,
      step: m.step,
      at: m.timestamp.getTime(),
    }));
  const reads = {
    runA: await r.runs.findById(a).then((x) => x && { metrics: x.metrics, status: x.status, end: x.end_time }),
    runB: await r.runs.findById(b).then((x) => x && { metrics: x.metrics }),
    history: strip(await r.metrics.history(a)),
    keyHistory: strip(await r.metrics.keyHistory(a, 'acc', 2, 0)),
    keyHistoryRest: strip(await r.metrics.keyHistory(a, 'acc', 2, 2)),
    ofRuns: strip(await r.metrics.historyOfRuns([a, b])),
    // Grouped by run and key by its callers: the order among runs is the database's (uuid order).
    latest: strip(await r.metrics.latestOfRuns([a, b])).sort(
      (x, y) => (x.run ?? '').localeCompare(y.run ?? '') || x.key.localeCompare(y.key),
    ),
  };
  const paramsClash = await r.runs.addParams(a, { lr: '0.2', extra: 'x' });
  const paramsSame = await r.runs.addParams(a, { lr: '0.1', extra: 'x' });
  await r.runs.mergeTags(b, { extra: 'y' });
  await r.runs.deleteTag(b, 'team');
  await r.runs.startAttempt(b, 2, true);
  const retried = await r.runs.findById(b);
  const params = (await r.runs.findById(a))?.params;

  await r.experiments.update(other.id, { tags: { set: { desk: 'ldn' }, remove: [] } });
  const experiments = await r.experiments.search({
    lifecycle: 'active',
    conditions: [{ column: 'name', op: 'LIKE', value: 'contract%' }],
    order: [{ field: 'name', direction: 'DESC' }],
    limit: 5,
    offset: 0,
  });
  const byTag = await r.experiments.search({
    lifecycle: 'all',
    conditions: [{ column: 'tag', key: 'desk', op: '=', value: 'ldn' }],
    order: [],
    limit: 5,
    offset: 0,
  });
  return {
    searches,
    reads,
    paramsClash,
    paramsSame,
    params,
    retried: retried && { status: retried.status, metrics: retried.metrics, tags: retried.tags },
    retriedHistory: (await r.metrics.history(b)).length,
    experiments: experiments.map((e) => [e.name, e.run_count]),
    byTag: byTag.map((e) => e.name),
  };
}

describe('experiments repositories: the in-memory ones answer as the SQL ones', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('for runs, metric history and experiments', async () => {
    const sql = await scenario({
      experiments: t.app.get(ExperimentsRepository),
      runs: t.app.get(RunsRepository),
      metrics: t.app.get(RunMetricsRepository),
    });
    const memory = await scenario(new InMemoryExperimentStore());
    expect(memory).toEqual(sql);
    // Not two empty answers: the scenario reads what it wrote.
    expect(sql.searches.accAbove.names).toEqual(['a-gru']);
    expect(sql.searches.all.total).toBe(3);
    expect(sql.reads.latest.map((m) => [m.run, m.key, m.value])).toEqual([
      ['a-gru', 'acc', 0.7],
      ['b-lstm', 'acc', 0.4],
      ['b-lstm', 'loss', 0.3],
    ]);
    expect(sql.retried).toEqual({ status: 'RUNNING', metrics: {}, tags: { extra: 'y', attempt: '2' } });
    expect(sql.paramsClash).toBe(false);
    expect(sql.paramsSame).toBe(true);
  });
});
