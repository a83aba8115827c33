import { createHash } from 'node:crypto';
import { answeringRole, canaryPoint } from './challenger-routing';

const deployment = (challenger: unknown) =>
  ({ version: '1.0.0', scaling_factor: 1, deployment_id: 'd', monitoring_level: 'low', challenger }) as Parameters<
    typeof answeringRole
  >[0];

describe('canary routing', () => {
  it('places a key at the first 32 bits of its SHA-256 over 2^32', () => {
    const digest = createHash('sha256').update('order-1').digest();
    expect(canaryPoint('order-1')).toBe(digest.readUInt32BE(0) / 4294967296);
  });

  it('sends a key below canary_share to the canary, the same key always the same way', () => {
    const d = deployment({ version: '1.1.0', mode: 'canary', canary_share: 0.25 });
    for (let i = 0; i < 50; i++) {
      const key = `k${i}`;
      const want = canaryPoint(key) < 0.25 ? 'canary' : 'active';
      expect([key, answeringRole(d, key), answeringRole(d, key)]).toEqual([key, want, want]);
    }
    // Without a key, the random draw decides.
    expect(answeringRole(d, undefined, () => 0.2)).toBe('canary');
    expect(answeringRole(d, undefined, () => 0.3)).toBe('active');
  });

  it('a shadow, no challenger or no deployment never answers', () => {
    expect(answeringRole(deployment({ version: '1.1.0', mode: 'shadow', canary_share: null }), 'k', () => 0)).toBe(
      'active',
    );
    expect(answeringRole(deployment(null), 'k', () => 0)).toBe('active');
    expect(answeringRole(null, 'k', () => 0)).toBe('active');
  });
});
