import type { ModelsService } from '../models/models.service';
import { type DeploymentLookup, DeploymentLookupPort, RegistryDeploymentLookup } from './deployment-lookup';

describe('DeploymentLookupPort', () => {
  const models = {
    versions: async () => [
      { version: '1.1.0', status: 'experimental' },
      { version: '1.0.0', status: 'deployed' },
    ],
  } as unknown as ModelsService;

  it('answers from the registry until the deployment module provides its lookup, then from that lookup', async () => {
    const port = new DeploymentLookupPort(new RegistryDeploymentLookup(models));
    expect(await port.current.deployedVersions('m')).toEqual(['1.0.0']);
    expect(await port.current.activeVersion('m', 'live')).toBeNull();

    const provided: DeploymentLookup = {
      activeVersion: async () => ({ version: '1.1.0', scaling_factor: 1, deployment_id: 'd', monitoring_level: 'low' }),
      deployedVersions: async () => ['1.1.0'],
    };
    expect(port.provide(provided)).toBe(provided);
    expect(port.current).toBe(provided);
    expect(await port.current.deployedVersions('m')).toEqual(['1.1.0']);
  });
});
