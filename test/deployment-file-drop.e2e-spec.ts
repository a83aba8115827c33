import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ArtifactStore } from '../src/models/artifacts/artifact-store';
import { ModelsService } from '../src/models/models.service';
import { startDeploymentApp } from './support/deployment-app';
import { importDaily, waitForJob } from './support/jobs';
import { dailyCsv, randomWalk } from './support/series';
import type { TestApp } from './support/test-app';

/**
 * The file-drop target (DEPLOYMENT_FILE_DROP_DIRS): what a consumer of the directory sees after
 * deploy, replace, rollback and undeploy, and that a target that cannot take the files refuses
 * the deploy with nothing recorded. One tiny model, two versions, trained once.
 */
const MODEL = 'drop_model';
const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('deployment: the file-drop target', () => {
  let t: TestApp;
  let scratch: string;
  let drop: string;
  const link = () => path.join(drop, MODEL, 'current');
  const deploy = (version: string, target = 'edge_drop') =>
    t.fetch(`/api/v1/models/${MODEL}/deploy`, { method: 'POST', json: { version, deployment_target: target } });
  const activeOn = async (target: string) =>
    (await (await t.fetch(`/api/v1/deployments?model_id=${MODEL}&target=${target}&status=active`)).json()).deployments;
  const history = async (target: string) =>
    (await (await t.fetch(`/api/v1/deployments?model_id=${MODEL}&target=${target}`)).json()).total;
  const versionStatus = async (v: string) =>
    (await (await t.fetch(`/api/v1/models/${MODEL}/versions/${v}`)).json()).status;

  beforeAll(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mlwb-drop-'));
    drop = path.join(scratch, 'drop');
    // A directory that cannot be created whatever the user (the tests may run as root): its parent is a file.
    fs.writeFileSync(path.join(scratch, 'not-a-dir'), 'x');
    t = await startDeploymentApp(
      { MAX_TRAINING_MEMORY: '8', TRAINING_CONCURRENCY: '2' },
      {
        DEPLOYMENT_TARGETS: 'strategy_engine,edge_drop,broken_drop',
        DEPLOYMENT_FILE_DROP_DIRS: `edge_drop=${drop}, broken_drop=${path.join(scratch, 'not-a-dir', 'drop')}`,
      },
    );
    await importDaily(t, 'EUR/USD', dailyCsv(randomWalk(900, 5)));
    const body = {
      name: 'Drop model',
      model_type: 'time_series',
      architecture: 'lstm',
      symbols: ['EUR/USD'],
      features: ['returns_1', 'returns_5'],
      target: 'price_change_1d',
      start_date: '2000-01-01T00:00:00Z',
      end_date: '2003-01-01T00:00:00Z',
      timeframe: '1d',
      window: 5,
      validation_split: 0.2,
      test_split: 0.2,
      seed: 3,
      hyperparameters: { units: 4, epochs: 1, batch_size: 256 },
    };
    const jobs = [];
    for (let i = 0; i < 2; i++)
      jobs.push((await (await t.fetch('/api/v1/models/train', { method: 'POST', json: body })).json()).job_id);
    for (const id of jobs) expect((await waitForJob(t, id)).status).toBe('succeeded');
  }, 300_000);

  afterAll(async () => {
    await t?.close();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('GET /deployment-targets lists each target with its kinds, and every kind the registry knows', async () => {
    const res = await t.fetch('/api/v1/deployment-targets');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.targets).toEqual([
      { name: 'strategy_engine', kinds: [], drivers: [] },
      {
        name: 'edge_drop',
        kinds: ['file_drop'],
        drivers: [{ kind: 'file_drop', target: 'edge_drop', directory: drop }],
      },
      {
        name: 'broken_drop',
        kinds: ['file_drop'],
        drivers: [{ kind: 'file_drop', target: 'broken_drop', directory: path.join(scratch, 'not-a-dir', 'drop') }],
      },
    ]);
    expect(body.kinds.map((k: { kind: string; variable: string }) => `${k.kind}:${k.variable}`)).toEqual(
      expect.arrayContaining(['webhook:DEPLOYMENT_NOTIFY_URLS', 'file_drop:DEPLOYMENT_FILE_DROP_DIRS']),
    );
  });

  it('deploy writes model.onnx, signature.json and manifest.json under <dir>/<model>/<version>/ and points current at it', async () => {
    const res = await deploy('1.0.0');
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      version: '1.0.0',
      target: 'edge_drop',
      status: 'active',
      notification_state: null,
    });

    const dir = path.join(drop, MODEL, '1.0.0');
    expect(fs.readdirSync(dir).sort()).toEqual(['manifest.json', 'model.onnx', 'signature.json']);
    // The bytes are the version's: the registry's manifest entry and the download's checksum header.
    const registry = await t.app.get(ArtifactStore).read(MODEL, '1.0.0');
    const download = await t.fetch(`/api/v1/models/${MODEL}/versions/1.0.0/model.onnx`);
    expect(sha256(path.join(dir, 'model.onnx'))).toBe(registry.manifest.files['model/model.onnx'].sha256);
    expect(sha256(path.join(dir, 'model.onnx'))).toBe(download.headers.get('x-checksum-sha256'));
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest).toEqual({
      model_id: MODEL,
      version: '1.0.0',
      artifact_checksum: registry.checksum,
      files: {
        'model.onnx': {
          sha256: sha256(path.join(dir, 'model.onnx')),
          bytes: fs.statSync(path.join(dir, 'model.onnx')).size,
        },
        'signature.json': {
          sha256: sha256(path.join(dir, 'signature.json')),
          bytes: fs.statSync(path.join(dir, 'signature.json')).size,
        },
      },
    });
    const version = await (await t.fetch(`/api/v1/models/${MODEL}/versions/1.0.0`)).json();
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'signature.json'), 'utf8'))).toEqual(version.signature);
    expect(fs.readlinkSync(link())).toBe('1.0.0');
    expect(fs.readFileSync(path.join(link(), 'model.onnx')).equals(fs.readFileSync(path.join(dir, 'model.onnx')))).toBe(
      true,
    );
    // No temporary names left behind.
    expect(fs.readdirSync(path.join(drop, MODEL)).sort()).toEqual(['1.0.0', 'current']);
  });

  it('replace moves current to the new version; rollback points it back; undeploy removes it', async () => {
    expect((await deploy('1.1.0')).status).toBe(201);
    expect(fs.readlinkSync(link())).toBe('1.1.0');
    expect(fs.readdirSync(path.join(drop, MODEL)).sort()).toEqual(['1.0.0', '1.1.0', 'current']);

    const back = await t.fetch(`/api/v1/models/${MODEL}/rollback`, {
      method: 'POST',
      json: { deployment_target: 'edge_drop' },
    });
    expect(back.status).toBe(201);
    const restored = await back.json();
    expect(restored).toMatchObject({ version: '1.0.0', status: 'active' });
    expect(fs.readlinkSync(link())).toBe('1.0.0');

    expect((await t.fetch(`/api/v1/deployments/${restored.id}/undeploy`, { method: 'POST' })).status).toBe(200);
    expect(fs.existsSync(link())).toBe(false);
    expect(fs.readdirSync(path.join(drop, MODEL)).sort()).toEqual(['1.0.0', '1.1.0']);
  });

  it('a directory that cannot be written: 500 TARGET_WRITE_FAILED in the envelope, nothing recorded', async () => {
    const before = await history('broken_drop');
    const res = await deploy('1.1.0', 'broken_drop');
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({
      error_type: 'DeploymentTargetError',
      error_code: 'TARGET_WRITE_FAILED',
      message: expect.stringContaining('nothing was deployed'),
      details: { target: 'broken_drop', kind: 'file_drop', model_id: MODEL, version: '1.1.0', cause: 'ENOTDIR' },
      correlation_id: res.headers.get('x-correlation-id'),
    });
    expect(await history('broken_drop')).toBe(before);
    expect(await versionStatus('1.1.0')).toBe('experimental');
  });

  it('a dropped copy edited on disk is replaced whole at the next deploy of its version', async () => {
    const onnx = path.join(drop, MODEL, '1.0.0', 'model.onnx');
    fs.writeFileSync(onnx, 'edited');
    expect((await deploy('1.0.0')).status).toBe(201);
    expect(sha256(onnx)).toBe(
      (await t.app.get(ArtifactStore).read(MODEL, '1.0.0')).manifest.files['model/model.onnx'].sha256,
    );
    expect(fs.readlinkSync(link())).toBe('1.0.0');
    expect(fs.readdirSync(path.join(drop, MODEL)).sort()).toEqual(['1.0.0', '1.1.0', 'current']);
  });

  it('a pointer that cannot be switched fails inside the transaction: nothing recorded, the files unchanged', async () => {
    expect((await activeOn('edge_drop')).map((d: { version: string }) => d.version)).toEqual(['1.0.0']);
    // Something else took the name `current` for a non-empty directory.
    fs.rmSync(link());
    fs.mkdirSync(path.join(link(), 'occupied'), { recursive: true });
    const res = await deploy('1.1.0');
    expect(res.status).toBe(500);
    expect((await res.json()).error_code).toBe('TARGET_WRITE_FAILED');
    expect((await activeOn('edge_drop')).map((d: { version: string }) => d.version)).toEqual(['1.0.0']);
    expect(await versionStatus('1.1.0')).toBe('experimental');
    expect(fs.lstatSync(link()).isDirectory()).toBe(true);
    fs.rmSync(link(), { recursive: true });
    const d = (await activeOn('edge_drop'))[0];
    expect((await t.fetch(`/api/v1/deployments/${d.id}/undeploy`, { method: 'POST' })).status).toBe(200);
  });

  it('a version without model.onnx: 409 ONNX_NOT_AVAILABLE, nothing recorded; a target without files still takes it', async () => {
    // Re-store version 1.1.0 (deployed nowhere now) without its model.onnx, through the
    // registry's own services (as a version trained before ONNX export is stored).
    expect(await versionStatus('1.1.0')).toBe('experimental');
    const store = t.app.get(ArtifactStore);
    const stored = await store.read(MODEL, '1.1.0');
    const files: Record<string, Buffer> = {};
    for (const name of stored.names.filter((n) => n !== 'model/model.onnx')) files[name] = await stored.file(name);
    await store.remove(MODEL, '1.1.0');
    const written = await store.write(MODEL, '1.1.0', files);
    await t.app.get(ModelsService).updateVersion(MODEL, '1.1.0', { artifact_checksum: written.checksum });

    const before = await history('edge_drop');
    const res = await deploy('1.1.0');
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({
      error_code: 'ONNX_NOT_AVAILABLE',
      message: expect.stringContaining('model.onnx'),
      details: { model_id: MODEL, version: '1.1.0', target: 'edge_drop' },
    });
    expect(await history('edge_drop')).toBe(before);
    expect(fs.existsSync(link())).toBe(false);
    expect(await versionStatus('1.1.0')).toBe('experimental');

    expect((await deploy('1.1.0', 'strategy_engine')).status).toBe(201);
  });
});
