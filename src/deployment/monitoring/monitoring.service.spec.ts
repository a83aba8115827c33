import type { ModelArtifacts } from '../../models/artifacts';
import type { PredictionEvent } from '../../prediction/deployment-lookup';
import { parseDeploymentOptions } from '../deployment-options';
import { Deployment, type MonitoringLevel } from '../entities';
import { InMemoryMonitoringRepository } from '../testing/in-memory-repositories';
import { MonitoringService } from './monitoring.service';

const ID = '6f1c3a52-8d4b-4e1a-9c7e-2b5d8f0a1c3e';

/** Training histogram of feature `x`: half the values below 0, half above. */
const PREPROCESSING = { training_histograms: { x: { edges: [0], proportions: [0.5, 0.5] } } };

function setup(level: MonitoringLevel, preprocessing: unknown = PREPROCESSING) {
  const repo = new InMemoryMonitoringRepository();
  repo.levels.set(ID, level);
  const reads: string[] = [];
  const artifacts = {
    readPreprocessingRecord: (m: string, v: string) => {
      reads.push(`${m}@${v}`);
      return preprocessing instanceof Error ? Promise.reject(preprocessing) : Promise.resolve(preprocessing);
    },
  } as unknown as ModelArtifacts;
  const service = new MonitoringService(repo, artifacts, parseDeploymentOptions({ MONITORING_RETENTION: '50' }));
  service.noteLevel(ID, level);
  const deployment = Object.assign(new Deployment(), {
    id: ID,
    model_id: 'm1',
    version: 'v1',
    target: 'strategy_engine',
    status: 'active',
    monitoring_level: level,
  });
  const report = () => service.report(deployment, 20);
  return { service, repo, report, reads };
}

const event = (x: number[], extra: Partial<PredictionEvent> = {}): PredictionEvent => ({
  inputs: { symbol: 'EUR/USD', features: { x } },
  outputs: { prediction: { value: 0.5 } },
  latency_ms: 12,
  ok: true,
  ...extra,
});

interface Drift {
  available: boolean;
  max_psi: number | null;
  overall_band: string | null;
  features: Record<string, { band: string | null; n: number }>;
}

describe('MonitoringService (in-memory repository)', () => {
  it('raises a significant drift when the inputs move away from the training distribution', async () => {
    const { service, report } = setup('high');
    for (let i = 0; i < 10; i++) service.record(ID, event([3, 4, 5, 6]));
    const r = await report();
    const drift = r.drift as Drift;
    expect(drift.available).toBe(true);
    expect(drift.max_psi).toBeGreaterThan(0.25);
    expect(drift.overall_band).toBe('significant');
    expect(drift.features.x).toMatchObject({ band: 'significant', n: 40 });
  });

  it('calls inputs like the training data stable', async () => {
    const { service, report } = setup('high');
    for (let i = 0; i < 10; i++) service.record(ID, event([-2, -1, 1, 2]));
    const drift = (await report()).drift as Drift;
    expect(drift.max_psi).toBeLessThan(0.1);
    expect(drift.overall_band).toBe('stable');
  });

  it('says why drift is unavailable when the training statistics cannot be read', async () => {
    const { service, report } = setup('high', new Error('no such file'));
    service.record(ID, event([1]));
    const drift = (await report()).drift as Drift & { reason: string };
    expect(drift).toMatchObject({ available: false, max_psi: null });
    expect(drift.reason).toContain('no such file');
  });

  it('counts requests and errors, with latency and predictions from level medium', async () => {
    const { service, report } = setup('medium');
    service.record(ID, event([1]));
    service.record(ID, event([1], { latency_ms: 30 }));
    service.record(ID, event([1], { ok: false, outputs: null }));
    const r = await report();
    expect(r).toMatchObject({ requests: 3, errors: 1, recent_requests: null, drift: null });
    expect(r.error_rate).toBeCloseTo(1 / 3);
    expect(r.latency_ms).toMatchObject({ count: 3 });
    expect(r.predictions).toMatchObject({ count: 2, mean: 0.5, min: 0.5, max: 0.5 });
  });

  it('keeps only counts at level low', async () => {
    const { service, report, reads } = setup('low');
    service.record(ID, event([1]));
    const r = await report();
    expect(r).toMatchObject({ requests: 1, errors: 0, latency_ms: null, predictions: null, drift: null });
    expect(reads).toEqual([]);
  });

  it('keeps the newest requests at level high, newest first, up to `recent`', async () => {
    const { service, repo, report } = setup('high');
    for (let i = 0; i < 60; i++) service.record(ID, event([i]));
    const r = await report();
    const recent = r.recent_requests as Array<{ inputs: { features: { x: number[] } } }>;
    expect(recent).toHaveLength(20);
    expect(recent[0].inputs.features.x).toEqual([59]);
    expect(repo.logs.get(ID)).toHaveLength(50); // MONITORING_RETENTION
  });

  it('adds up across flushes, and a failed write keeps its events for the next flush', async () => {
    const { service, repo, report } = setup('medium');
    service.record(ID, event([1]));
    await service.flush();
    repo.failures = 1;
    service.record(ID, event([1]));
    service.record(ID, event([1]));
    await service.flush(); // the write fails: nothing lost
    expect(repo.stored.get(ID)?.requests).toBe(1);
    service.record(ID, event([1]));
    expect((await report()).requests).toBe(4);
  });

  it('drops events for ids that are not deployments, and nothing after shutdown', async () => {
    const { service, repo, report } = setup('medium');
    service.record('00000000-0000-4000-8000-000000000001', event([1]));
    service.record('nonsense', event([1]));
    await service.flush();
    expect([...repo.stored.keys()]).toEqual([]);
    service.record(ID, event([1]));
    await service.beforeApplicationShutdown(); // the last flush writes what is buffered
    expect(repo.stored.get(ID)?.requests).toBe(1);
    service.record(ID, event([1]));
    expect((await report()).requests).toBe(1);
  });
});
