import { NotFoundError } from '../common/errors/app-error';
import type { AliasesService } from '../models/aliases/aliases.service';
import type { ModelsService } from '../models/models.service';
import { type ActiveDeployment, type DeploymentLookup, DeploymentLookupPort } from './deployment-lookup';
import type { PredictionOptions } from './prediction.options';
import { VersionResolver } from './version-resolver';

interface Row {
  model_id: string;
  version: string;
  status: string;
  symbols: string[];
  timeframe: string;
  artifact_checksum: string | null;
  error: string | null;
}
const row = (version: string, status = 'experimental'): Row => ({
  model_id: 'm',
  version,
  status,
  symbols: ['EUR/USD'],
  timeframe: '1d',
  artifact_checksum: `sha-${version}`,
  error: null,
});

/** The registry as the resolver sees it: versions newest first, a count of reads. */
function fakeRegistry(rows: Row[], type = 'time_series') {
  const reads = { versions: 0, getVersion: 0 };
  const models = {
    getModel: async (id: string) => {
      if (id !== 'm') throw new NotFoundError(`Model ${id} does not exist`, { model_id: id }, 'MODEL_NOT_FOUND');
      return { id, type };
    },
    getVersion: async (_id: string, v: string) => {
      reads.getVersion++;
      const r = rows.find((x) => x.version === v);
      if (!r) throw new NotFoundError(`no ${v}`, null, 'VERSION_NOT_FOUND');
      return r;
    },
    versions: async () => {
      reads.versions++;
      return rows;
    },
  } as unknown as ModelsService;
  return { models, reads };
}

const aliases = { resolve: async (_m: string, alias: string) => (alias === 'champion' ? '1.0.0' : '9.9.9') };
const options = { resolutionTtlMs: 60_000 } as PredictionOptions;

function resolverWith(rows: Row[], lookup?: DeploymentLookup, type?: string) {
  const { models, reads } = fakeRegistry(rows, type);
  const port = new DeploymentLookupPort({
    activeVersion: async () => null,
    deployedVersions: async () => rows.filter((r) => r.status === 'deployed').map((r) => r.version),
  } as never);
  if (lookup) port.provide(lookup);
  return { resolver: new VersionResolver(models, aliases as unknown as AliasesService, port, options), reads };
}

const deployment = (version: string): ActiveDeployment => ({
  version,
  scaling_factor: 2,
  deployment_id: 'd1',
  monitoring_level: 'medium',
});

describe('VersionResolver', () => {
  it('without a selector: the one deployed version, else the latest servable one', async () => {
    const { resolver } = resolverWith([row('1.2.0', 'training'), row('1.1.0'), row('1.0.0', 'deployed')]);
    expect((await resolver.resolve('m', undefined, undefined)).row.version).toBe('1.0.0');
    const { resolver: none } = resolverWith([row('1.2.0', 'training'), row('1.1.0'), row('1.0.0')]);
    expect((await none.resolve('m', undefined, undefined)).row.version).toBe('1.1.0');
  });

  it('through a target: the version the deployment lookup names, with the deployment; another version is refused', async () => {
    const lookup: DeploymentLookup = {
      activeVersion: async (_m, target) => (target === 'live' ? deployment('1.0.0') : null),
      deployedVersions: async () => ['1.0.0'],
    };
    const { resolver } = resolverWith([row('1.1.0'), row('1.0.0', 'deployed')], lookup);
    const r = await resolver.resolve('m', undefined, 'live');
    expect(r).toMatchObject({
      row: { version: '1.0.0' },
      deployment: { target: 'live', scaling_factor: 2 },
      role: 'active',
    });
    expect(r.key).toBe('m@1.0.0#sha-1.0.0');
    await expect(resolver.resolve('m', '1.1.0', 'live')).rejects.toMatchObject({
      errorCode: 'VERSION_TARGET_MISMATCH',
    });
    await expect(resolver.resolve('m', undefined, 'paper')).rejects.toMatchObject({
      errorCode: 'DEPLOYMENT_NOT_FOUND',
    });
    await expect(resolver.resolve('other', undefined, 'paper')).rejects.toMatchObject({ errorCode: 'MODEL_NOT_FOUND' });
  });

  it('an alias resolves to its version and is kept on the answer', async () => {
    const { resolver } = resolverWith([row('1.1.0'), row('1.0.0')]);
    expect(await resolver.resolve('m', '@champion', undefined)).toMatchObject({
      row: { version: '1.0.0' },
      alias: 'champion',
    });
  });

  it('refuses versions that cannot serve with the code that says why', async () => {
    const { resolver } = resolverWith([
      row('1.3.0', 'archived'),
      row('1.2.0', 'failed'),
      row('1.1.0', 'training'),
      row('1.0.0', 'cancelled'),
    ]);
    const code = (v: string) => resolver.resolve('m', v, undefined).catch((e: { errorCode: string }) => e.errorCode);
    expect(await Promise.all(['1.3.0', '1.2.0', '1.1.0', '1.0.0'].map(code))).toEqual([
      'VERSION_ARCHIVED',
      'VERSION_NOT_SERVABLE',
      'VERSION_NOT_READY',
      'VERSION_NOT_SERVABLE',
    ]);
    await expect(resolver.resolve('m', undefined, undefined)).rejects.toMatchObject({
      errorCode: 'NO_TRAINED_VERSION',
    });
    const { resolver: fe } = resolverWith([row('1.0.0')], undefined, 'feature_engineering');
    await expect(fe.resolve('m', '1.0.0', undefined)).rejects.toMatchObject({ errorCode: 'MODEL_DOES_NOT_PREDICT' });
  });

  it('reuses a resolution until invalidated; a failed one is not kept', async () => {
    const rows = [row('1.0.0')];
    const { resolver, reads } = resolverWith(rows);
    await resolver.resolve('m', '1.0.0', undefined);
    await resolver.resolve('m', '1.0.0', undefined);
    expect(reads.getVersion).toBe(1);
    resolver.invalidate('other');
    await resolver.resolve('m', '1.0.0', undefined);
    expect(reads.getVersion).toBe(1);
    resolver.invalidate('m');
    await resolver.resolve('m', '1.0.0', undefined);
    expect(reads.getVersion).toBe(2);

    await expect(resolver.resolve('m', '2.0.0', undefined)).rejects.toMatchObject({ errorCode: 'VERSION_NOT_FOUND' });
    rows.unshift(row('2.0.0'));
    expect((await resolver.resolve('m', '2.0.0', undefined)).row.version).toBe('2.0.0');
  });

  it('a challenger is resolved as its own version and keeps the deployment', async () => {
    const lookup: DeploymentLookup = {
      activeVersion: async () => ({
        ...deployment('1.0.0'),
        challenger: { version: '1.1.0', mode: 'shadow', canary_share: null },
      }),
      deployedVersions: async () => ['1.0.0'],
    };
    const { resolver } = resolverWith([row('1.1.0'), row('1.0.0', 'deployed')], lookup);
    const primary = await resolver.resolve('m', undefined, 'live');
    const shadow = await resolver.challengerOf('m', primary, 'shadow');
    expect(shadow).toMatchObject({
      row: { version: '1.1.0' },
      role: 'shadow',
      deployment: primary.deployment,
      alias: null,
    });
  });

  it('selectors: a malformed version or target is a 422 naming the field', () => {
    const { resolver } = resolverWith([]);
    expect(resolver.selectors({ version: '1.0.0', target: 'live' })).toEqual({ version: '1.0.0', target: 'live' });
    expect(resolver.selectors({ version: '@champion' })).toEqual({ version: '@champion', target: undefined });
    for (const [body, field] of [
      [{ version: 'latest' }, 'version'],
      [{ version: 1 }, 'version'],
      [{ target: '' }, 'target'],
    ] as const)
      expect(() => resolver.selectors(body)).toThrow(
        expect.objectContaining({ details: { fields: [expect.objectContaining({ field })] } }),
      );
  });
});
