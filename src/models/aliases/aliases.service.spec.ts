import { InMemoryModelsRepository } from '../registry/in-memory-models.repository';
import type { VersionStatus } from '../entities/model-version.entity';
import { AliasesService } from './aliases.service';

describe('AliasesService (in-memory registry)', () => {
  let repo: InMemoryModelsRepository;
  let aliases: AliasesService;
  let heard: string[];

  beforeEach(async () => {
    repo = new InMemoryModelsRepository();
    aliases = new AliasesService(repo);
    heard = [];
    aliases.onChange((id) => heard.push(id));
    await model('eurusd', { '1.0.0': 'deployed', '1.1.0': 'experimental', '1.2.0': 'training' });
  });

  async function model(id: string, versions: Record<string, VersionStatus>): Promise<void> {
    await repo.insertModelIfAbsent({ id, name: id, type: 'time_series', description: null, tags: {} });
    for (const [version, status] of Object.entries(versions))
      await repo.insertVersion({ model_id: id, version, status, target: 'close', timeframe: '1h', window: 16 });
  }

  const history = async () => (await aliases.history('eurusd', { limit: 50, offset: 0 })).events;

  it('sets an alias, moves it, and records both in the history (newest first)', async () => {
    const set = await aliases.set('eurusd', 'champion', '1.0.0');
    expect(set).toMatchObject({ alias: 'champion', version: '1.0.0', previous_version: null, changed: true });
    const moved = await aliases.set('eurusd', 'champion', '1.1.0');
    expect(moved).toMatchObject({ version: '1.1.0', previous_version: '1.0.0', changed: true });
    expect(await aliases.resolve('eurusd', 'champion')).toBe('1.1.0');
    expect(await history()).toMatchObject([
      { event: 'alias_moved', alias: 'champion', version: '1.1.0', previous_version: '1.0.0', reason: null },
      { event: 'alias_set', alias: 'champion', version: '1.0.0', previous_version: null },
    ]);
    expect(heard).toEqual(['eurusd', 'eurusd']);
  });

  it('setting an alias to the version it has changes and records nothing', async () => {
    await aliases.set('eurusd', 'champion', '1.0.0');
    const again = await aliases.set('eurusd', 'champion', '1.0.0');
    expect(again).toMatchObject({ version: '1.0.0', previous_version: '1.0.0', changed: false });
    expect(await history()).toHaveLength(1);
    expect(heard).toEqual(['eurusd']);
  });

  it('answers a missing version with 404 VERSION_NOT_FOUND and records nothing', async () => {
    await expect(aliases.set('eurusd', 'champion', '9.9.9')).rejects.toMatchObject({
      status: 404,
      errorCode: 'VERSION_NOT_FOUND',
    });
    expect(await aliases.list('eurusd')).toEqual([]);
    expect(await history()).toEqual([]);
    expect(heard).toEqual([]);
  });

  it('refuses a version that cannot serve (409 VERSION_NOT_SERVABLE) and an unknown model (404)', async () => {
    await expect(aliases.set('eurusd', 'champion', '1.2.0')).rejects.toMatchObject({
      status: 409,
      errorCode: 'VERSION_NOT_SERVABLE',
    });
    await expect(aliases.set('nope', 'champion', '1.0.0')).rejects.toMatchObject({
      status: 404,
      errorCode: 'MODEL_NOT_FOUND',
    });
    await expect(aliases.history('nope', { limit: 5, offset: 0 })).rejects.toMatchObject({
      errorCode: 'MODEL_NOT_FOUND',
    });
  });

  it('names the known aliases when resolving an unknown one', async () => {
    await aliases.set('eurusd', 'champion', '1.0.0');
    await expect(aliases.resolve('eurusd', 'shadow')).rejects.toMatchObject({
      status: 404,
      errorCode: 'ALIAS_NOT_FOUND',
      details: { aliases: ['champion'] },
    });
  });

  it('removes an alias (recorded as alias_removed with the version it had); a second remove is a 404', async () => {
    await aliases.set('eurusd', 'champion', '1.0.0');
    expect(await aliases.remove('eurusd', 'champion')).toMatchObject({ alias: 'champion', removed: true });
    expect((await history())[0]).toMatchObject({ event: 'alias_removed', version: null, previous_version: '1.0.0' });
    await expect(aliases.remove('eurusd', 'champion')).rejects.toMatchObject({ errorCode: 'ALIAS_NOT_FOUND' });
    await expect(aliases.resolve('eurusd', 'champion')).rejects.toMatchObject({ errorCode: 'ALIAS_NOT_FOUND' });
  });

  it('filters the history by event and alias, and pages it', async () => {
    await aliases.set('eurusd', 'champion', '1.0.0');
    await aliases.set('eurusd', 'shadow', '1.1.0');
    await aliases.set('eurusd', 'champion', '1.1.0');
    const moved = await aliases.history('eurusd', { event: 'alias_moved', limit: 50, offset: 0 });
    expect(moved).toMatchObject({ total: 1, events: [{ alias: 'champion', version: '1.1.0' }] });
    const shadow = await aliases.history('eurusd', { alias: 'shadow', limit: 50, offset: 0 });
    expect(shadow.events.map((e) => e.event)).toEqual(['alias_set']);
    const page = await aliases.history('eurusd', { limit: 1, offset: 1 });
    expect(page).toMatchObject({ total: 3, events: [{ alias: 'shadow' }] });
  });

  it("cannot change an archived model's aliases", async () => {
    await repo.archiveModel('eurusd');
    await expect(aliases.set('eurusd', 'champion', '1.0.0')).rejects.toMatchObject({
      status: 409,
      errorCode: 'MODEL_ARCHIVED',
    });
  });
});
