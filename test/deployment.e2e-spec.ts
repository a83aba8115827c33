import SwaggerParser from '@apidevtools/swagger-parser';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { DeploymentLookupService } from '../src/deployment/deployment-lookup.service';
import { verifySignature } from '../src/deployment/notifications/signature';
import { DeploymentNotifier } from '../src/deployment/notifications/deployment-notifier';
import { ModelsService } from '../src/models/models.service';
import { startDeploymentApp } from './support/deployment-app';
import { importDaily, waitForJob } from './support/jobs';
import { dailyCsv, lcg, randomWalk } from './support/series';
import type { TestApp } from './support/test-app';

const SECRET = 'deploy-secret-0123';

const trainBody = (name: string) => ({
  name,
  model_type: 'time_series',
  architecture: 'lstm',
  symbols: ['EUR/USD'],
  features: ['returns_1', 'returns_5', 'zscore_20'],
  target: 'price_change_1d',
  start_date: '2000-01-01T00:00:00Z',
  end_date: '2003-06-01T00:00:00Z',
  timeframe: '1d',
  window: 5,
  validation_split: 0.2,
  test_split: 0.2,
  seed: 3,
  hyperparameters: { units: 4, epochs: 1, batch_size: 256 },
});

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: any;
}

/** A notification receiver on loopback: /ok answers 200, /flaky 500 on each event's first attempt, /hang never answers. */
async function startReceiver() {
  const received: Received[] = [];
  const seen = new Set<string>();
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, raw, body: JSON.parse(raw) });
      if (req.url === '/hang') return void hanging.push(res);
      if (req.url === '/flaky') {
        const id = String(req.headers['x-event-id']);
        if (!seen.has(id)) {
          seen.add(id);
          res.writeHead(500).end('boom');
          return;
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    close: async () => {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() - started > timeoutMs)
      throw new Error(`condition not met after ${timeoutMs} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('deployment: deploy, replace, rollback, undeploy, notifications, monitoring', () => {
  let t: TestApp;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  const deploy = (modelId: string, body: Record<string, unknown>) =>
    t.fetch(`/api/v1/models/${modelId}/deploy`, { method: 'POST', json: body });
  const rollback = (modelId: string, target: string) =>
    t.fetch(`/api/v1/models/${modelId}/rollback`, { method: 'POST', json: { deployment_target: target } });
  const undeploy = (id: string) => t.fetch(`/api/v1/deployments/${id}/undeploy`, { method: 'POST' });
  const getDep = async (id: string) => (await t.fetch(`/api/v1/deployments/${id}`)).json();
  const versionStatus = async (modelId: string, v: string) =>
    (await (await t.fetch(`/api/v1/models/${modelId}/versions/${v}`)).json()).status;

  /** Train `count` versions of a model (tiny LSTMs, one epoch). */
  async function trainVersions(name: string, count: number): Promise<string[]> {
    const jobs: string[] = [];
    for (let i = 0; i < count; i++) {
      const res = await t.fetch('/api/v1/models/train', { method: 'POST', json: trainBody(name) });
      if (res.status !== 202) throw new Error(`train: ${res.status} ${await res.text()}`);
      jobs.push((await res.json()).job_id);
    }
    const versions: string[] = [];
    for (const id of jobs) {
      const job = await waitForJob(t, id);
      if (job.status !== 'succeeded') throw new Error(`training failed: ${JSON.stringify(job)}`);
      versions.push(job.version);
    }
    return versions;
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    const down = await closedPort();
    t = await startDeploymentApp(
      { MAX_TRAINING_MEMORY: '8', TRAINING_CONCURRENCY: '2' },
      {
        DEPLOYMENT_TARGETS: 'strategy_engine,ml_integration,analysis_engine,flaky_engine,down_engine,slow_engine',
        DEPLOYMENT_NOTIFY_URLS: `strategy_engine=${receiver.url}/ok,flaky_engine=${receiver.url}/flaky,down_engine=http://127.0.0.1:${down}/,slow_engine=${receiver.url}/hang`,
        DEPLOYMENT_NOTIFY_SECRET: SECRET,
        DEPLOYMENT_NOTIFY_TIMEOUT_MS: '1000',
        DEPLOYMENT_NOTIFY_RETRIES: '2',
        DEPLOYMENT_NOTIFY_BACKOFF_MS: '50',
        MONITORING_RETENTION: '300',
        MONITORING_FLUSH_MS: '200',
      },
    );
    await importDaily(t, 'EUR/USD', dailyCsv(randomWalk(1300, 11)));
    await trainVersions('Dep main', 3); // 1.0.0, 1.1.0, 1.2.0
    await trainVersions('Dep conc', 10); // 1.0.0 … 1.9.0
    await trainVersions('Dep misc', 1);
    await trainVersions('Dep arch', 1);
    await trainVersions('Dep notify', 2);
    await trainVersions('Dep mon', 1);
    await trainVersions('Dep list', 2); // 1.0.0, 1.1.0
    await trainVersions('Dep tamper', 2); // 1.0.0, 1.1.0
  }, 600_000);

  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('deploys a trained version: 201 with the deployment; the version becomes deployed', async () => {
    const res = await deploy('dep_main', {
      version: '1.0.0',
      deployment_target: 'analysis_engine',
      scaling_factor: 1.5,
      monitoring_level: 'high',
    });
    expect(res.status).toBe(201);
    const d = await res.json();
    expect(d).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      model_id: 'dep_main',
      version: '1.0.0',
      target: 'analysis_engine',
      scaling_factor: 1.5,
      monitoring_level: 'high',
      status: 'active',
      replaced_version: null,
      ended_at: null,
      notification_state: null,
      notifications: [],
    });
    expect(new Date(d.deployed_at).toISOString()).toBe(d.deployed_at);
    expect(await versionStatus('dep_main', '1.0.0')).toBe('deployed');
    expect(await getDep(d.id)).toEqual(d);
    // Defaults: scaling_factor 1, monitoring_level medium.
    const def = await (await deploy('dep_misc', { version: '1.0.0', deployment_target: 'ml_integration' })).json();
    expect(def).toMatchObject({ scaling_factor: 1, monitoring_level: 'medium', status: 'active' });
    expect((await undeploy(def.id)).status).toBe(200);
  });

  it('422 for an unknown target, a bad scaling factor or monitoring level, extra or missing fields', async () => {
    const ok = { version: '1.0.0', deployment_target: 'strategy_engine', scaling_factor: 1, monitoring_level: 'low' };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...ok, deployment_target: 'moon_base' }, 'deployment_target'],
      [{ ...ok, scaling_factor: 0 }, 'scaling_factor'],
      [{ ...ok, scaling_factor: -2 }, 'scaling_factor'],
      [{ ...ok, scaling_factor: 101 }, 'scaling_factor'],
      [{ ...ok, scaling_factor: '1' }, 'scaling_factor'],
      [{ ...ok, monitoring_level: 'extreme' }, 'monitoring_level'],
      [{ ...ok, replicas: 3 }, 'replicas'],
      [{ deployment_target: 'strategy_engine' }, 'version'],
      [{ ...ok, version: 'v1' }, 'version'],
    ];
    for (const [body, field] of cases) {
      const res = await deploy('dep_main', body);
      const err = await res.json();
      expect({ status: res.status, body }).toEqual({ status: 422, body });
      expect(err).toMatchObject({
        error_type: 'DataValidationError',
        error_code: 'VALIDATION_FAILED',
        correlation_id: expect.any(String),
      });
      expect(err.details.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
    expect((await t.fetch('/api/v1/deployments?model_id=dep_main&target=strategy_engine')).ok).toBe(true);
    expect((await (await t.fetch('/api/v1/deployments?model_id=dep_main&target=strategy_engine')).json()).total).toBe(
      0,
    );
    expect((await rollback('dep_main', 'moon_base')).status).toBe(422);
  });

  it('lists every bad field of a deploy body at once, the configuration-dependent ones (target, maximum scaling factor) included', async () => {
    const fieldsOf = async (res: Awaited<ReturnType<TestApp['fetch']>>) => {
      expect(res.status).toBe(422);
      return ((await res.json()).details.fields as Array<{ field: string }>).map((f) => f.field).sort();
    };
    // The DTO rejects monitoring_level; the target and the scaling factor are listed beside it.
    expect(
      await fieldsOf(
        await deploy('dep_main', {
          version: '1.0.0',
          deployment_target: 'moon_base',
          scaling_factor: 1000,
          monitoring_level: 'extreme',
        }),
      ),
    ).toEqual(['deployment_target', 'monitoring_level', 'scaling_factor']);
    expect(
      await fieldsOf(
        await deploy('dep_main', { version: 'v1', scaling_factor: 1000, monitoring_level: 'extreme', replicas: 2 }),
      ),
    ).toEqual(['deployment_target', 'monitoring_level', 'replicas', 'scaling_factor', 'version']);
    // A body the DTO accepts: both configuration checks are reported together.
    const both = await deploy('dep_main', { version: '1.0.0', deployment_target: 'moon_base', scaling_factor: 1000 });
    expect(both.status).toBe(422);
    const err = await both.json();
    expect(err).toMatchObject({
      error_type: 'DataValidationError',
      error_code: 'VALIDATION_FAILED',
      message: 'Request validation failed for fields: deployment_target, scaling_factor',
    });
    expect(err.details.fields).toEqual([
      { field: 'deployment_target', errors: [expect.stringContaining('must be one of: strategy_engine')] },
      { field: 'scaling_factor', errors: ['scaling_factor must not be greater than 100'] },
    ]);
    expect((await t.fetch('/api/v1/deployments?model_id=dep_main&target=strategy_engine')).ok).toBe(true);
  });

  it('not found is 404 everywhere: versions, runs, deployments, jobs, experiments, models', async () => {
    const NONE = '00000000-0000-4000-8000-000000000000';
    const cases: Array<[string, string, unknown, string]> = [
      [
        'POST',
        '/api/v1/models/dep_main/deploy',
        { version: '9.9.9', deployment_target: 'strategy_engine' },
        'VERSION_NOT_FOUND',
      ],
      ['GET', '/api/v1/models/dep_main/versions/9.9.9', undefined, 'VERSION_NOT_FOUND'],
      [
        'POST',
        '/api/v1/models/dep_main/predict',
        { symbol: 'EUR/USD', timeframe: '1d', version: '9.9.9' },
        'VERSION_NOT_FOUND',
      ],
      [
        'POST',
        '/api/v1/models/no_such_model/deploy',
        { version: '1.0.0', deployment_target: 'strategy_engine' },
        'MODEL_NOT_FOUND',
      ],
      ['POST', '/api/v1/models/no_such_model/rollback', { deployment_target: 'strategy_engine' }, 'MODEL_NOT_FOUND'],
      ['GET', '/api/v1/models/no_such_model', undefined, 'MODEL_NOT_FOUND'],
      ['GET', '/api/v1/models/no_such_model/versions/1.0.0', undefined, 'MODEL_NOT_FOUND'],
      ['DELETE', '/api/v1/models/no_such_model', undefined, 'MODEL_NOT_FOUND'],
      ['GET', `/api/v1/deployments/${NONE}`, undefined, 'DEPLOYMENT_NOT_FOUND'],
      ['POST', `/api/v1/deployments/${NONE}/undeploy`, undefined, 'DEPLOYMENT_NOT_FOUND'],
      ['GET', `/api/v1/deployments/${NONE}/monitoring`, undefined, 'DEPLOYMENT_NOT_FOUND'],
      ['GET', `/api/v1/training/jobs/${NONE}`, undefined, 'JOB_NOT_FOUND'],
      ['POST', `/api/v1/training/jobs/${NONE}/cancel`, undefined, 'JOB_NOT_FOUND'],
      ['GET', `/api/v1/runs/${NONE}`, undefined, 'RUN_NOT_FOUND'],
      ['POST', `/api/v1/runs/${NONE}/metrics`, { metrics: [{ key: 'a', value: 1 }] }, 'RUN_NOT_FOUND'],
      ['GET', `/api/v1/experiments/${NONE}`, undefined, 'EXPERIMENT_NOT_FOUND'],
    ];
    const seen: unknown[] = [];
    for (const [method, path, json, code] of cases) {
      const res = await t.fetch(path, { method, json });
      const body = await res.json();
      seen.push([method, path, res.status, body.error_type, body.error_code]);
      expect([method, path, res.status, body.error_type]).toEqual([method, path, 404, 'NotFoundError']);
      expect([path, body.error_code]).toEqual([path, code]);
    }
  });

  it('the model list shows the deployed version with status deployed, and the latest version beside it', async () => {
    const listed = async (q = '') =>
      ((await (await t.fetch(`/api/v1/models${q}`)).json()).models as Array<Record<string, unknown>>).find(
        (m) => m.id === 'dep_list',
      );
    expect(await listed()).toMatchObject({
      version: '1.1.0',
      status: 'experimental',
      latest_version: '1.1.0',
      latest_status: 'experimental',
      deployed_versions: [],
    });
    const d = await (await deploy('dep_list', { version: '1.0.0', deployment_target: 'strategy_engine' })).json();
    const one = await (await t.fetch('/api/v1/models/dep_list/versions/1.0.0')).json();
    const shown = await listed();
    expect(shown).toEqual({
      id: 'dep_list',
      name: 'Dep list',
      type: 'time_series',
      version: '1.0.0',
      status: 'deployed',
      created_at: one.created_at,
      metrics: one.metrics,
      latest_version: '1.1.0',
      latest_status: 'experimental',
      deployed_versions: ['1.0.0'],
    });
    expect(await listed('?status=deployed')).toMatchObject({ version: '1.0.0' });
    expect(await listed('?status=experimental')).toBeUndefined();
    expect(await (await t.fetch('/api/v1/models/dep_list')).json()).toMatchObject({
      version: '1.0.0',
      status: 'deployed',
      latest_version: '1.1.0',
      latest_status: 'experimental',
      deployed_versions: ['1.0.0'],
    });
    // Both deployed (two targets): the highest deployed version is shown, every deployed one listed.
    const d2 = await (await deploy('dep_list', { version: '1.1.0', deployment_target: 'ml_integration' })).json();
    expect(await listed()).toMatchObject({
      version: '1.1.0',
      status: 'deployed',
      latest_version: '1.1.0',
      deployed_versions: ['1.1.0', '1.0.0'],
    });
    await undeploy(d.id);
    await undeploy(d2.id);
    expect(await listed()).toMatchObject({ version: '1.1.0', status: 'experimental', deployed_versions: [] });
  });

  it('409 for a version that is failed, queued/training or cancelled; 404 for an unknown model or version', async () => {
    const missing = await deploy('dep_main', { version: '9.9.9', deployment_target: 'strategy_engine' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error_type: 'NotFoundError', error_code: 'VERSION_NOT_FOUND' });
    expect((await deploy('no_such_model', { version: '1.0.0', deployment_target: 'strategy_engine' })).status).toBe(
      404,
    );

    // A failed version (set through the registry's service: making a real job fail is the training suite's business).
    const models = t.app.get(ModelsService);
    await models.setStatus('dep_misc', '1.0.0', 'failed');
    const failed = await deploy('dep_misc', { version: '1.0.0', deployment_target: 'strategy_engine' });
    expect(failed.status).toBe(409);
    expect(await failed.json()).toMatchObject({ error_code: 'VERSION_NOT_DEPLOYABLE', details: { status: 'failed' } });
    await models.setStatus('dep_misc', '1.0.0', 'experimental');

    // A version still queued or training, then cancelled.
    const long = await (
      await t.fetch('/api/v1/models/train', {
        method: 'POST',
        json: {
          ...trainBody('Dep misc'),
          hyperparameters: { units: 16, epochs: 500, batch_size: 16, early_stopping_patience: 500 },
        },
      })
    ).json();
    expect(long.version).toBe('1.1.0');
    const busy = await deploy('dep_misc', { version: '1.1.0', deployment_target: 'strategy_engine' });
    expect(busy.status).toBe(409);
    expect((await busy.json()).details.status).toMatch(/^(queued|training)$/);
    await t.fetch(`/api/v1/training/jobs/${long.job_id}/cancel`, { method: 'POST' });
    await waitForJob(t, long.job_id);
    const cancelled = await deploy('dep_misc', { version: '1.1.0', deployment_target: 'strategy_engine' });
    expect(cancelled.status).toBe(409);
    expect((await cancelled.json()).details.status).toBe('cancelled');
  });

  describe('artifact verification before a deployment becomes active', () => {
    const dir = (v: string) => path.join(t.registryPath, 'dep_tamper', v);
    const stateOf = async () => ({
      deployments: (await (await t.fetch('/api/v1/deployments?model_id=dep_tamper&limit=500')).json()).deployments.map(
        (d: { id: string; status: string; version: string; target: string }) =>
          `${d.target}:${d.version}:${d.status}:${d.id}`,
      ),
      versions: [await versionStatus('dep_tamper', '1.0.0'), await versionStatus('dep_tamper', '1.1.0')],
    });
    const predict = () =>
      t.fetch('/api/v1/models/dep_tamper/predict', {
        method: 'POST',
        json: { symbol: 'EUR/USD', timeframe: '1d', target: 'strategy_engine' },
      });

    /** Apply a tampering to 1.1.0, run `check`, then put the original files back (byte for byte). */
    async function tampered(tamper: (d: string) => void, check: () => Promise<void>) {
      const backup = fs.mkdtempSync(path.join(t.registryPath, '..', 'mlwb-tamper-'));
      fs.cpSync(dir('1.1.0'), backup, { recursive: true });
      try {
        tamper(dir('1.1.0'));
        await check();
      } finally {
        fs.rmSync(dir('1.1.0'), { recursive: true, force: true });
        fs.cpSync(backup, dir('1.1.0'), { recursive: true });
        fs.rmSync(backup, { recursive: true, force: true });
      }
    }

    const flipByte = (d: string) => {
      const file = path.join(d, 'model', 'weights.bin');
      const bytes = fs.readFileSync(file);
      bytes[Math.floor(bytes.length / 2)] ^= 0x01;
      fs.writeFileSync(file, bytes);
    };
    // The same bytes, but through a symlink (to a copy outside the version directory).
    const symlinkWeights = (d: string) => {
      const file = path.join(d, 'model', 'weights.bin');
      const elsewhere = path.join(t.registryPath, '..', `mlwb-weights-${process.pid}-${Date.now()}.bin`);
      fs.copyFileSync(file, elsewhere);
      fs.rmSync(file);
      fs.symlinkSync(elsewhere, file);
    };
    const rewriteModelJson = (d: string) => {
      const file = path.join(d, 'model', 'model.json');
      const json = JSON.parse(fs.readFileSync(file, 'utf8'));
      json.format = 'rewritten';
      fs.writeFileSync(file, JSON.stringify(json));
    };
    // model.json rewritten *and* the manifest updated to match: only the checksum recorded in the registry catches it.
    const rewriteModelJsonAndManifest = (d: string) => {
      rewriteModelJson(d);
      const manifestFile = path.join(d, 'manifest.json');
      const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
      const data = fs.readFileSync(path.join(d, 'model', 'model.json'));
      manifest.files['model/model.json'] = {
        sha256: require('node:crypto').createHash('sha256').update(data).digest('hex'),
        bytes: data.length,
      };
      fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
    };
    const cases: Array<[string, (d: string) => void, string, Record<string, unknown>]> = [
      [
        'a flipped byte in weights.bin',
        flipByte,
        'ARTIFACT_CHECKSUM_MISMATCH',
        { file: 'model/weights.bin', check: 'sha256' },
      ],
      [
        'weights.bin replaced by a symlink to identical bytes',
        symlinkWeights,
        'ARTIFACT_FILE_UNSAFE',
        { file: 'model/weights.bin', check: 'type' },
      ],
      [
        'a rewritten model.json',
        rewriteModelJson,
        'ARTIFACT_CHECKSUM_MISMATCH',
        { file: 'model/model.json', check: expect.stringMatching(/^(sha256|size)$/) },
      ],
      [
        'a rewritten model.json with a manifest to match',
        rewriteModelJsonAndManifest,
        'ARTIFACT_CHECKSUM_MISMATCH',
        { file: 'manifest.json', check: 'checksum' },
      ],
    ];

    it('deploy answers 409 naming the file and the check, and nothing changes: the active version keeps serving', async () => {
      const active = await (
        await deploy('dep_tamper', { version: '1.0.0', deployment_target: 'strategy_engine' })
      ).json();
      expect(active.status).toBe('active');
      const before = await stateOf();
      expect(before.versions).toEqual(['deployed', 'experimental']);
      for (const [name, tamper, code, problem] of cases) {
        await tampered(tamper, async () => {
          const res = await deploy('dep_tamper', { version: '1.1.0', deployment_target: 'strategy_engine' });
          const body = await res.json();
          expect({ name, status: res.status, error_type: body.error_type, error_code: body.error_code }).toEqual({
            name,
            status: 409,
            error_type: 'ConflictError',
            error_code: code,
          });
          expect(body).toMatchObject({
            message: expect.stringContaining('1.1.0 of dep_tamper cannot be deployed'),
            details: { model_id: 'dep_tamper', version: '1.1.0', ...problem },
            correlation_id: res.headers.get('x-correlation-id'),
          });
          expect(body.message).toContain(problem.file as string);
          // Also on another target, where nothing is active yet.
          expect((await deploy('dep_tamper', { version: '1.1.0', deployment_target: 'analysis_engine' })).status).toBe(
            409,
          );
          expect(await stateOf()).toEqual(before);
          const served = await predict();
          expect(served.status).toBe(200);
          expect((await served.json()).version).toBe('1.0.0');
        });
      }
      // Restored byte for byte: it deploys again.
      const ok = await deploy('dep_tamper', { version: '1.1.0', deployment_target: 'strategy_engine' });
      expect(ok.status).toBe(201);
      expect((await predict()).status).toBe(200);
    });

    it('rollback to a tampered version is refused the same way', async () => {
      // strategy_engine: 1.1.0 replaced 1.0.0 (previous test); tamper 1.0.0 and roll back.
      const backup = fs.mkdtempSync(path.join(t.registryPath, '..', 'mlwb-tamper-'));
      fs.cpSync(dir('1.0.0'), backup, { recursive: true });
      try {
        flipByte(dir('1.0.0'));
        const before = await stateOf();
        const res = await rollback('dep_tamper', 'strategy_engine');
        expect(res.status).toBe(409);
        expect(await res.json()).toMatchObject({
          error_code: 'ARTIFACT_CHECKSUM_MISMATCH',
          message: expect.stringContaining('cannot be rolled back to'),
          details: { version: '1.0.0', file: 'model/weights.bin' },
        });
        expect(await stateOf()).toEqual(before);
      } finally {
        fs.rmSync(dir('1.0.0'), { recursive: true, force: true });
        fs.cpSync(backup, dir('1.0.0'), { recursive: true });
        fs.rmSync(backup, { recursive: true, force: true });
      }
      expect((await rollback('dep_tamper', 'strategy_engine')).status).toBe(201);
    });
  });

  it('replaces the active version atomically; versions go deployed ↔ experimental; rollback restores the replaced one', async () => {
    const first = await (
      await deploy('dep_main', {
        version: '1.0.0',
        deployment_target: 'strategy_engine',
        scaling_factor: 2,
        monitoring_level: 'low',
      })
    ).json();
    expect(first).toMatchObject({ status: 'active', replaced_version: null, rollback_version: null });

    const second = await (
      await deploy('dep_main', {
        version: '1.1.0',
        deployment_target: 'strategy_engine',
        scaling_factor: 0.5,
        monitoring_level: 'medium',
      })
    ).json();
    expect(second).toMatchObject({
      status: 'active',
      version: '1.1.0',
      replaced_version: '1.0.0',
      replaced_deployment_id: first.id,
      rollback_version: '1.0.0',
    });
    expect(await getDep(first.id)).toMatchObject({
      status: 'replaced',
      ended_by_deployment_id: second.id,
      ended_at: expect.any(String),
    });
    expect(await versionStatus('dep_main', '1.1.0')).toBe('deployed');
    // 1.0.0 is still active on analysis_engine (first test), so it stays deployed.
    expect(await versionStatus('dep_main', '1.0.0')).toBe('deployed');

    // On ml_integration: 1.2.0, then replaced by 1.1.0 → 1.2.0 is deployed nowhere → experimental.
    await deploy('dep_main', { version: '1.2.0', deployment_target: 'ml_integration' });
    expect(await versionStatus('dep_main', '1.2.0')).toBe('deployed');
    const ml = await (await deploy('dep_main', { version: '1.1.0', deployment_target: 'ml_integration' })).json();
    expect(ml.replaced_version).toBe('1.2.0');
    expect(await versionStatus('dep_main', '1.2.0')).toBe('experimental');

    // Roll strategy_engine back: 1.0.0 again, with the scaling factor and monitoring level it had.
    const rb = await rollback('dep_main', 'strategy_engine');
    expect(rb.status).toBe(201);
    const back = await rb.json();
    expect(back).toMatchObject({
      status: 'active',
      version: '1.0.0',
      scaling_factor: 2,
      monitoring_level: 'low',
      replaced_version: '1.1.0',
      replaced_deployment_id: second.id,
      restored_deployment_id: first.id,
      rollback_version: null,
    });
    expect(await getDep(second.id)).toMatchObject({ status: 'rolled_back', ended_by_deployment_id: back.id });
    expect(await versionStatus('dep_main', '1.0.0')).toBe('deployed');
    expect(await versionStatus('dep_main', '1.1.0')).toBe('deployed'); // still on ml_integration

    // Nothing further back: 409; nothing active on a target: 409.
    const again = await rollback('dep_main', 'strategy_engine');
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error_code: 'NOTHING_TO_ROLL_BACK' });
    const none = await rollback('dep_main', 'flaky_engine');
    expect(none.status).toBe(409);
    expect(await none.json()).toMatchObject({ error_code: 'NOT_DEPLOYED' });

    // The lookup the prediction module uses.
    const lookup = t.app.get(DeploymentLookupService);
    expect(await lookup.activeVersion('dep_main', 'strategy_engine')).toEqual({
      version: '1.0.0',
      scaling_factor: 2,
      deployment_id: back.id,
      monitoring_level: 'low',
    });
    expect(await lookup.activeVersion('dep_main', 'flaky_engine')).toBeNull();
    expect(await lookup.deployedVersions('dep_main')).toEqual(['1.0.0', '1.1.0']);
  });

  it('undeploys (history kept); the version returns to experimental when deployed nowhere; filters list the history', async () => {
    const active = (await (await t.fetch('/api/v1/deployments?model_id=dep_main&status=active')).json()).deployments;
    expect(active.map((d: { target: string }) => d.target).sort()).toEqual([
      'analysis_engine',
      'ml_integration',
      'strategy_engine',
    ]);
    const ml = active.find((d: { target: string }) => d.target === 'ml_integration');
    const res = await undeploy(ml.id);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: ml.id, status: 'undeployed', ended_at: expect.any(String) });
    expect(await versionStatus('dep_main', '1.1.0')).toBe('experimental');
    const twice = await undeploy(ml.id);
    expect(twice.status).toBe(409);
    expect(await twice.json()).toMatchObject({ error_code: 'DEPLOYMENT_NOT_ACTIVE' });
    expect(await t.app.get(DeploymentLookupService).activeVersion('dep_main', 'ml_integration')).toBeNull();

    const all = await (await t.fetch('/api/v1/deployments?model_id=dep_main')).json();
    expect(all.total).toBe(6);
    const counts = await Promise.all(
      ['active', 'replaced', 'rolled_back', 'undeployed'].map(
        async (s) => (await (await t.fetch(`/api/v1/deployments?model_id=dep_main&status=${s}`)).json()).total,
      ),
    );
    expect(counts).toEqual([2, 2, 1, 1]);
    const strat = await (await t.fetch('/api/v1/deployments?model_id=dep_main&target=strategy_engine')).json();
    expect(strat.deployments.map((d: { version: string; status: string }) => `${d.version}:${d.status}`)).toEqual([
      '1.0.0:active',
      '1.1.0:rolled_back',
      '1.0.0:replaced',
    ]);
    const page = await (await t.fetch('/api/v1/deployments?model_id=dep_main&limit=2&offset=1')).json();
    expect(page).toMatchObject({ total: 6, limit: 2, offset: 1 });
    expect(page.deployments).toHaveLength(2);
    expect((await t.fetch('/api/v1/deployments?status=gone')).status).toBe(422);
    expect((await t.fetch('/api/v1/deployments/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await t.fetch('/api/v1/deployments/not-a-uuid')).status).toBe(404);
  });

  it('a deployed model cannot be archived (409); an archived model cannot be deployed (409)', async () => {
    const d = await (await deploy('dep_arch', { version: '1.0.0', deployment_target: 'strategy_engine' })).json();
    const del = await t.fetch('/api/v1/models/dep_arch', { method: 'DELETE' });
    expect(del.status).toBe(409);
    expect(await del.json()).toMatchObject({ error_code: 'MODEL_DEPLOYED' });
    expect((await undeploy(d.id)).status).toBe(200);
    expect((await t.fetch('/api/v1/models/dep_arch', { method: 'DELETE' })).status).toBe(200);
    const res = await deploy('dep_arch', { version: '1.0.0', deployment_target: 'strategy_engine' });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error_code: 'MODEL_ARCHIVED' });
  });

  it('10 concurrent deploys of different versions to one target: exactly one active, the other nine replaced, none lost', async () => {
    const versions = Array.from({ length: 10 }, (_, i) => `1.${i}.0`);
    const responses = await Promise.all(
      versions.map((version) =>
        deploy('dep_conc', { version, deployment_target: 'strategy_engine', monitoring_level: 'low' }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(new Array(10).fill(201));
    const created = await Promise.all(responses.map((r) => r.json()));
    const list = (await (await t.fetch('/api/v1/deployments?model_id=dep_conc&target=strategy_engine')).json())
      .deployments;
    expect(list).toHaveLength(10);
    expect(new Set(list.map((d: { id: string }) => d.id))).toEqual(new Set(created.map((d) => d.id)));
    const active = list.filter((d: { status: string }) => d.status === 'active');
    expect(active).toHaveLength(1);
    expect(list.filter((d: { status: string }) => d.status === 'replaced')).toHaveLength(9);
    // One chain: every deployment but the first replaced exactly the one before it.
    const replaced = list
      .map((d: { replaced_deployment_id: string | null }) => d.replaced_deployment_id)
      .filter(Boolean);
    expect(replaced).toHaveLength(9);
    expect(new Set(replaced).size).toBe(9);
    expect(replaced).not.toContain(active[0].id);
    // Exactly the active version is deployed; the other nine went back to experimental.
    const model = await (await t.fetch('/api/v1/models/dep_conc')).json();
    const statuses = Object.fromEntries(
      model.versions.map((v: { version: string; status: string }) => [v.version, v.status]),
    );
    expect(Object.values(statuses).filter((s) => s === 'deployed')).toHaveLength(1);
    expect(statuses[active[0].version]).toBe('deployed');

    // The database refuses a second active row even without the service's lock.
    const ds = t.app.get(DataSource);
    await expect(
      ds.query(
        `INSERT INTO deployments (model_id, version, target, scaling_factor, monitoring_level, status, deployed_at) VALUES ('dep_conc', '1.0.0', 'strategy_engine', 1, 'low', 'active', now())`,
      ),
    ).rejects.toThrow(/UQ_deployments_active_model_target|duplicate key/);

    // Concurrent deploys to different targets all stay active.
    const targets = ['ml_integration', 'analysis_engine'];
    const multi = await Promise.all(
      targets.map((target, i) =>
        deploy('dep_conc', { version: `1.${i}.0`, deployment_target: target, monitoring_level: 'low' }),
      ),
    );
    expect(multi.map((r) => r.status)).toEqual([201, 201]);
    expect((await (await t.fetch('/api/v1/deployments?model_id=dep_conc&status=active')).json()).total).toBe(3);
  });

  it('notifies a target: signed POST on deploy, replace, rollback and undeploy; the delivery state shows', async () => {
    const mine = () => receiver.received.filter((r) => r.path === '/ok' && r.body.model_id === 'dep_notify');
    const d1 = await (
      await deploy('dep_notify', {
        version: '1.0.0',
        deployment_target: 'strategy_engine',
        scaling_factor: 3,
        monitoring_level: 'high',
      })
    ).json();
    expect(d1.notification_state).toBe('pending');
    const done = await until(
      () => getDep(d1.id),
      (d) => d.notification_state === 'delivered',
    );
    expect(done.notifications).toEqual([
      expect.objectContaining({
        event: 'deploy',
        state: 'delivered',
        attempts: 1,
        last_error: null,
        last_status_code: 200,
        delivered_at: expect.any(String),
      }),
    ]);
    const [msg] = mine();
    expect(msg.body).toEqual({
      event_id: done.notifications[0].id,
      event: 'deploy',
      deployment_id: d1.id,
      model_id: 'dep_notify',
      version: '1.0.0',
      target: 'strategy_engine',
      scaling_factor: 3,
      monitoring_level: 'high',
      status: 'active',
      replaced_version: null,
      time: d1.deployed_at,
    });
    expect(msg.headers['content-type']).toBe('application/json');
    expect(msg.headers['x-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature(SECRET, msg.raw, msg.headers['x-signature'] as string)).toBe(true);
    expect(verifySignature('wrong-secret', msg.raw, msg.headers['x-signature'] as string)).toBe(false);
    expect(Math.abs(Number(msg.headers['x-signature-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(msg.headers['x-event-id']).toBe(done.notifications[0].id);

    const d2 = await (await deploy('dep_notify', { version: '1.1.0', deployment_target: 'strategy_engine' })).json();
    await until(
      () => getDep(d2.id),
      (d) => d.notification_state === 'delivered',
    );
    const d3 = await (await rollback('dep_notify', 'strategy_engine')).json();
    await until(
      () => getDep(d3.id),
      (d) => d.notification_state === 'delivered',
    );
    await undeploy(d3.id);
    await until(
      () => getDep(d3.id),
      (d) => d.notifications.length === 2 && d.notification_state === 'delivered',
    );
    expect(mine().map((m) => `${m.body.event}:${m.body.version}:${m.body.replaced_version}`)).toEqual([
      'deploy:1.0.0:null',
      'replace:1.1.0:1.0.0',
      'rollback:1.0.0:1.1.0',
      'undeploy:1.0.0:1.1.0',
    ]);
    for (const m of mine()) expect(verifySignature(SECRET, m.raw, m.headers['x-signature'] as string)).toBe(true);
  });

  it('retries after a 500 with backoff and delivers', async () => {
    const d = await (await deploy('dep_notify', { version: '1.0.0', deployment_target: 'flaky_engine' })).json();
    const done = await until(
      () => getDep(d.id),
      (x) => x.notification_state !== 'pending',
    );
    expect(done.notifications[0]).toMatchObject({
      state: 'delivered',
      attempts: 2,
      last_error: null,
      last_status_code: 200,
    });
    const attempts = receiver.received.filter((r) => r.path === '/flaky' && r.body.deployment_id === d.id);
    expect(attempts).toHaveLength(2);
    expect(attempts[0].raw).toBe(attempts[1].raw);
    expect(verifySignature(SECRET, attempts[1].raw, attempts[1].headers['x-signature'] as string)).toBe(true);
  });

  it('a target that is down or hangs never blocks or fails the deploy; the delivery ends failed', async () => {
    const res = await deploy('dep_notify', { version: '1.0.0', deployment_target: 'slow_engine' });
    expect(res.status).toBe(201);
    const slow = await res.json();
    expect(slow.notification_state).toBe('pending'); // answered while the hanging delivery was still in flight

    const down = await deploy('dep_notify', { version: '1.1.0', deployment_target: 'down_engine' });
    expect(down.status).toBe(201);
    const d = await down.json();
    const failed = await until(
      () => getDep(d.id),
      (x) => x.notification_state === 'failed',
    );
    expect(failed.status).toBe('active');
    expect(failed.notifications[0]).toMatchObject({
      state: 'failed',
      attempts: 3,
      last_error: expect.stringMatching(/fetch failed|ECONNREFUSED/),
      last_status_code: null,
    });

    const timedOut = await until(
      () => getDep(slow.id),
      (x) => x.notification_state === 'failed',
      20_000,
    );
    expect(timedOut.notifications[0]).toMatchObject({
      state: 'failed',
      attempts: 3,
      last_error: 'timed out after 1000 ms',
    });
    await t.app.get(DeploymentNotifier).idle();
  });

  describe('monitoring', () => {
    const report = async (id: string, q = '') => (await t.fetch(`/api/v1/deployments/${id}/monitoring${q}`)).json();

    it('low: request and error counts only', async () => {
      const d = await (
        await deploy('dep_mon', { version: '1.0.0', deployment_target: 'strategy_engine', monitoring_level: 'low' })
      ).json();
      const lookup = t.app.get(DeploymentLookupService);
      expect((await lookup.activeVersion('dep_mon', 'strategy_engine'))!.deployment_id).toBe(d.id);
      for (let i = 0; i < 40; i++)
        lookup.record(d.id, {
          inputs: { features: { returns_1: [0.001] } },
          outputs: { prediction: { value: i }, signal: i },
          latency_ms: 3,
          ok: i % 10 !== 0,
        });
      const r = await report(d.id);
      expect(r).toMatchObject({
        deployment_id: d.id,
        monitoring_level: 'low',
        requests: 40,
        errors: 4,
        error_rate: 0.1,
        latency_ms: null,
        predictions: null,
        recent_requests: null,
        drift: null,
      });
    });

    it('medium: plus the latency histogram and the prediction distribution; record() is cheap and flushed in batches', async () => {
      const d = await (
        await deploy('dep_mon', { version: '1.0.0', deployment_target: 'ml_integration', monitoring_level: 'medium' })
      ).json();
      const lookup = t.app.get(DeploymentLookupService);
      await lookup.activeVersion('dep_mon', 'ml_integration');
      for (let i = 0; i < 10_000; i++)
        lookup.record(d.id, {
          inputs: { features: { returns_1: [0.001, 0.002, 0.003, 0.004, 0.005] } },
          outputs: { prediction: { value: (i % 100) / 100 }, signal: 0 },
          latency_ms: i < 9000 ? 4 : 40,
          ok: true,
        });
      // Written by the timer (MONITORING_FLUSH_MS = 200) without anyone asking.
      const ds = t.app.get(DataSource);
      await until(
        async () =>
          (await ds.query(`SELECT requests FROM deployment_metrics WHERE deployment_id = $1`, [d.id]))[0]?.requests,
        (v) => Number(v) === 10_000,
        5000,
      );
      const r = await report(d.id);
      expect(r).toMatchObject({
        monitoring_level: 'medium',
        requests: 10_000,
        errors: 0,
        recent_requests: null,
        drift: null,
      });
      expect(r.latency_ms.count).toBe(10_000);
      expect(r.latency_ms.mean).toBeCloseTo(7.6, 6);
      expect(r.latency_ms.p50).toBeGreaterThan(2);
      expect(r.latency_ms.p50).toBeLessThanOrEqual(5);
      expect(r.latency_ms.p99).toBeGreaterThan(25);
      expect(r.latency_ms.p99).toBeLessThanOrEqual(50);
      expect(r.latency_ms.buckets.find((b: { le: number }) => b.le === 5).count).toBe(9000);
      expect(r.predictions).toMatchObject({ count: 10_000, min: 0, max: 0.99, sample_size: 300 });
      expect(r.predictions.mean).toBeCloseTo(0.495, 9);
      expect(r.predictions.quantiles.p50).toBeCloseTo(0.495, 2);
      expect(r.predictions.histogram.counts.reduce((s: number, c: number) => s + c, 0)).toBe(300);
    });

    it('high: recent inputs/outputs (bounded retention) and PSI per feature — stable, moderate and significant on a planted shift', async () => {
      const d = await (
        await deploy('dep_mon', { version: '1.0.0', deployment_target: 'analysis_engine', monitoring_level: 'high' })
      ).json();
      const pre = JSON.parse(
        fs.readFileSync(path.join(t.registryPath, 'dep_mon', '1.0.0', 'preprocessing.json'), 'utf8'),
      );
      expect(pre.scaler.kind).toBe('zscore');
      const u = lcg(43);
      // Draws from the stored training histogram (deciles): a bin by its share, then uniform inside it.
      const fromTraining = (f: string) => {
        const { edges, proportions } = pre.training_histograms[f] as { edges: number[]; proportions: number[] };
        let r = u();
        let b = 0;
        while (b < proportions.length - 1 && r > proportions[b]) r -= proportions[b++];
        // Outer bins: exponential tails beyond the first/last decile (no hard edge to fall off).
        if (b === 0) return edges[0] + (edges[1] - edges[0]) * Math.log(u() || 1e-12);
        if (b === edges.length) return edges[b - 1] - (edges[b - 1] - edges[b - 2]) * Math.log(u() || 1e-12);
        return edges[b - 1] + (edges[b] - edges[b - 1]) * u();
      };
      // The spread of the training deciles (10th to 90th percentile = 2.563 sd for a normal): robust to fat tails.
      const robustSd = (f: string) => {
        const e = pre.training_histograms[f].edges as number[];
        return (e[8] - e[0]) / 2.563;
      };
      // returns_1 as in training (stable); returns_5 shifted by 0.4 sd (PSI ≈ 0.19, moderate); zscore_20 by 1 sd (significant).
      const shift = { returns_1: 0, returns_5: 0.4, zscore_20: 1 } as const;
      const lookup = t.app.get(DeploymentLookupService);
      await lookup.activeVersion('dep_mon', 'analysis_engine');
      for (let i = 0; i < 450; i++) {
        const features = Object.fromEntries(
          Object.entries(shift).map(([f, delta]) => [
            f,
            Array.from({ length: 5 }, () => fromTraining(f) + robustSd(f) * delta),
          ]),
        );
        lookup.record(d.id, {
          inputs: { symbol: 'EUR/USD', timeframe: '1d', features },
          outputs: { prediction: { value: i / 1000 }, signal: i / 500 },
          latency_ms: 2,
          ok: true,
        });
      }
      const r = await report(d.id, '?recent=5');
      expect(r).toMatchObject({ monitoring_level: 'high', requests: 450 });
      expect(r.recent_requests).toHaveLength(5);
      expect(r.recent_requests[0]).toMatchObject({
        ok: true,
        latency_ms: 2,
        inputs: { symbol: 'EUR/USD', timeframe: '1d' },
        outputs: { prediction: { value: 0.449 }, signal: 0.898 },
      });
      expect(r.recent_requests[0].inputs.features.returns_1).toHaveLength(5);
      const drift = r.drift;
      expect(drift).toMatchObject({ method: 'psi', available: true, requests_used: 300 }); // MONITORING_RETENTION = 300
      expect(drift.features.returns_1).toMatchObject({
        band: 'stable',
        n: 1500,
        reference: 'training_histogram',
        bins: 10,
      });
      expect(drift.features.returns_1.psi).toBeLessThan(0.1);
      expect(drift.features.returns_5.band).toBe('moderate');
      expect(drift.features.zscore_20.band).toBe('significant');
      expect(drift.features.zscore_20.psi).toBeGreaterThan(0.6);
      expect(drift.overall_band).toBe('significant');
      expect(drift.max_psi).toBe(drift.features.zscore_20.psi);
      const ds = t.app.get(DataSource);
      expect(
        (await ds.query(`SELECT count(*)::int AS n FROM deployment_request_logs WHERE deployment_id = $1`, [d.id]))[0]
          .n,
      ).toBe(300);

      expect((await t.fetch(`/api/v1/deployments/${d.id}/monitoring?recent=5000`)).status).toBe(422);
      expect((await t.fetch('/api/v1/deployments/00000000-0000-4000-8000-000000000000/monitoring')).status).toBe(404);
      // Events for something that is not a deployment are dropped, not stored.
      lookup.record('00000000-0000-4000-8000-000000000001', { inputs: {}, outputs: 1, latency_ms: 1, ok: true });
      lookup.record('nonsense', { inputs: {}, outputs: 1, latency_ms: 1, ok: true });
      await lookup.flush();
      expect(
        (
          await ds.query(
            `SELECT count(*)::int AS n FROM deployment_metrics WHERE deployment_id = '00000000-0000-4000-8000-000000000001'`,
          )
        )[0].n,
      ).toBe(0);
    });
  });

  it('the routes are in the OpenAPI document, which stays valid', async () => {
    const doc = await (await t.fetch('/docs-json')).json();
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeDefined();
    for (const p of [
      '/api/v1/models/{model_id}/deploy',
      '/api/v1/models/{model_id}/rollback',
      '/api/v1/deployments',
      '/api/v1/deployments/{id}',
      '/api/v1/deployments/{id}/undeploy',
      '/api/v1/deployments/{id}/monitoring',
    ]) {
      expect(doc.paths).toHaveProperty([p]);
    }
    expect(JSON.stringify(doc.paths['/api/v1/deployments/{id}/monitoring'])).toMatch(/approximat/);
  });
});
