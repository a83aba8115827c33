import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { AliasesService } from './aliases/aliases.service';
import { ModelArtifacts } from './artifacts';
import { ArtifactStore } from './artifacts/artifact-store';
import type { VersionStatus } from './entities/model-version.entity';
import { ModelsService } from './models.service';
import { InMemoryModelsRepository } from './registry/in-memory-models.repository';
import { VersionAnnotations } from './version-annotations';

/** The fields reserveVersion needs for a version. */
const VERSION_BASICS = { target: 'close', timeframe: '1h', window: 16 };

describe('ModelsService (in-memory registry)', () => {
  let root: string;
  let repo: InMemoryModelsRepository;
  let aliases: AliasesService;
  let models: ModelsService;
  const manager = {} as EntityManager;

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'models-service-'));
    repo = new InMemoryModelsRepository();
    aliases = new AliasesService(repo);
    const artifacts = new ArtifactStore({ modelRegistryPath: root } as AppConfig);
    models = new ModelsService(repo, new ModelArtifacts(artifacts), new VersionAnnotations(), aliases);
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  /** Reserve the next version of `id` and give it `status`. */
  async function version(id: string, status: VersionStatus, type = 'time_series'): Promise<string> {
    const v = await models.reserveVersion(manager, { modelId: id, name: id, type, version: { ...VERSION_BASICS } });
    if (status !== 'queued') await models.setStatus(id, v.version, status, { metrics: { rmse: 1 } });
    return v.version;
  }

  it('numbers versions 1.0.0, 1.1.0, … and refuses a version of another model type', async () => {
    expect(await version('eurusd', 'experimental')).toBe('1.0.0');
    expect(await version('eurusd', 'queued')).toBe('1.1.0');
    await expect(version('eurusd', 'queued', 'classification')).rejects.toMatchObject({ status: 409 });
    expect((await models.versions('eurusd')).map((v) => v.version)).toEqual(['1.1.0', '1.0.0']);
  });

  it('lists a model with its deployed version and status, the latest version beside it', async () => {
    await version('eurusd', 'deployed');
    await version('eurusd', 'experimental');
    await version('gbpusd', 'experimental');
    const list = await models.list({});
    expect(list.total).toBe(2);
    const eurusd = list.models.find((m) => m.id === 'eurusd');
    expect(eurusd).toMatchObject({
      version: '1.0.0',
      status: 'deployed',
      latest_version: '1.1.0',
      latest_status: 'experimental',
      deployed_versions: ['1.0.0'],
      metrics: { rmse: 1 },
    });
    expect(list.models.find((m) => m.id === 'gbpusd')).toMatchObject({
      version: '1.0.0',
      status: 'experimental',
      deployed_versions: [],
    });
    // The status filter applies to the version shown.
    expect((await models.list({ status: 'deployed' })).models.map((m) => m.id)).toEqual(['eurusd']);
  });

  it('describes a model: shown version, every version, and the aliases pointing at each', async () => {
    await version('eurusd', 'deployed');
    await version('eurusd', 'experimental');
    await aliases.set('eurusd', 'challenger', '1.1.0');
    const d = await models.describe('eurusd');
    expect(d).toMatchObject({ version: '1.0.0', status: 'deployed', latest_version: '1.1.0' });
    expect(d.aliases).toEqual([{ alias: 'challenger', version: '1.1.0' }]);
    expect(d.versions.map((v) => [v.version, v.aliases])).toEqual([
      ['1.1.0', ['challenger']],
      ['1.0.0', []],
    ]);
  });

  it('answers a missing version with 404 VERSION_NOT_FOUND and a missing model with MODEL_NOT_FOUND', async () => {
    await version('eurusd', 'experimental');
    await expect(models.getVersion('eurusd', '9.9.9')).rejects.toMatchObject({
      status: 404,
      errorCode: 'VERSION_NOT_FOUND',
    });
    await expect(models.getVersion('nope', '1.0.0')).rejects.toMatchObject({
      status: 404,
      errorCode: 'MODEL_NOT_FOUND',
    });
    await expect(models.describe('nope')).rejects.toMatchObject({ status: 404, errorCode: 'MODEL_NOT_FOUND' });
  });

  it('counts an experimental version with a test span as one trial on that span', async () => {
    const significance = {
      test_span: { key: 'span-1', symbols: ['EURUSD'], timeframe: '1h', first: 'a', last: 'b' },
      sharpe: { value: 1.5, periods_per_year: 252 },
    };
    for (const id of ['a', 'b']) {
      const v = await models.reserveVersion(manager, {
        modelId: id,
        name: id,
        type: 't',
        version: { ...VERSION_BASICS },
      });
      await models.setStatus(id, v.version, 'experimental', { significance });
    }
    const [view] = await models.versionViews([await models.getVersion('a', '1.0.0')]);
    expect(view.significance).toMatchObject({ trials: { count: 2 } });
  });

  it('refuses to archive a deployed model and leaves it as it was', async () => {
    await version('eurusd', 'deployed');
    await expect(models.archive('eurusd')).rejects.toMatchObject({ status: 409, errorCode: 'MODEL_DEPLOYED' });
    expect((await models.getModel('eurusd')).archived_at).toBeNull();
  });

  it('archives a model: its experimental versions are archived, its aliases removed and recorded', async () => {
    await version('eurusd', 'experimental');
    await aliases.set('eurusd', 'champion', '1.0.0');
    const heard: string[] = [];
    aliases.onChange((id) => heard.push(id));
    expect(await models.archive('eurusd')).toEqual({ id: 'eurusd', archived: true });
    expect((await models.getVersion('eurusd', '1.0.0')).status).toBe('archived');
    expect(await aliases.forModel('eurusd')).toEqual([]);
    expect(heard).toEqual(['eurusd']);
    const { events } = await aliases.history('eurusd', { limit: 10, offset: 0 });
    expect(events[0]).toMatchObject({ event: 'alias_removed', alias: 'champion', reason: 'model_archived' });
    // Archived versions leave the default list.
    expect((await models.list({})).total).toBe(0);
    await expect(version('eurusd', 'queued')).rejects.toMatchObject({ errorCode: 'MODEL_ARCHIVED' });
  });
});
