import { TARGET_DRIVERS } from './targets/target-registry';
import {
  DEFAULT_TARGETS,
  DEPLOYMENT_VARIABLES,
  deploymentSettingsDoc,
  parseDeploymentOptions,
} from './deployment-options';

describe('deployment options', () => {
  it('defaults', () => {
    expect(parseDeploymentOptions({})).toEqual({
      targets: DEFAULT_TARGETS,
      drivers: Object.fromEntries(TARGET_DRIVERS.map((d) => [d.kind, {}])),
      notifySecret: undefined,
      notifyTimeoutMs: 5000,
      notifyRetries: 5,
      notifyBackoffMs: 1000,
      maxScalingFactor: 100,
      monitoringRetention: 1000,
      monitoringFlushMs: 1000,
      lookupCacheMs: 1000,
      predictionRetentionDays: 90,
      decayWindow: 500,
      decayMinSamples: 30,
    });
  });

  it('reads targets and notification URLs', () => {
    const o = parseDeploymentOptions({
      DEPLOYMENT_TARGETS: 'a, b',
      DEPLOYMENT_NOTIFY_URLS: 'a=http://127.0.0.1:9/x?y=1, b=https://h/',
      DEPLOYMENT_NOTIFY_SECRET: 's',
      MONITORING_RETENTION: '50',
    });
    expect(o).toMatchObject({
      targets: ['a', 'b'],
      drivers: { webhook: { a: { url: 'http://127.0.0.1:9/x?y=1' }, b: { url: 'https://h/' } } },
      notifySecret: 's',
      monitoringRetention: 50,
    });
  });

  it('names every invalid variable', () => {
    expect(() =>
      parseDeploymentOptions({
        DEPLOYMENT_TARGETS: 'Bad Name',
        DEPLOYMENT_NOTIFY_URLS: 'zz=ftp://x,nourl',
        MONITORING_RETENTION: '0',
        DEPLOYMENT_MAX_SCALING_FACTOR: '-1',
      }),
    ).toThrow(
      /DEPLOYMENT_TARGETS.*Bad Name.*DEPLOYMENT_NOTIFY_URLS.*zz.*nourl.*DEPLOYMENT_MAX_SCALING_FACTOR.*MONITORING_RETENTION/s,
    );
  });

  it('each variable once, and every default is a value its own check accepts', () => {
    expect(new Set(DEPLOYMENT_VARIABLES).size).toBe(DEPLOYMENT_VARIABLES.length);
    const rows = deploymentSettingsDoc();
    expect(rows.map((r) => r.variable).every((v) => DEPLOYMENT_VARIABLES.includes(v))).toBe(true);
    const explicit = Object.fromEntries(
      rows.filter((r) => r.default !== undefined).map((r) => [r.variable, String(r.default)]),
    );
    expect(Object.keys(explicit).length).toBeGreaterThan(5);
    expect(parseDeploymentOptions(explicit)).toEqual(parseDeploymentOptions({}));
  });
});
