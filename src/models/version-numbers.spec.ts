import { compareVersions, nextVersion } from './version-numbers';

describe('version numbers', () => {
  it('starts at 1.0.0 and bumps the minor version of the highest existing version', () => {
    expect(nextVersion([])).toBe('1.0.0');
    expect(nextVersion(['1.0.0'])).toBe('1.1.0');
    expect(nextVersion(['1.0.0', '1.9.0', '1.10.0'])).toBe('1.11.0');
    expect(nextVersion(['2.1.0', '1.5.0'])).toBe('2.2.0');
  });
  it('orders numerically, not as text', () => {
    expect(compareVersions('1.10.0', '1.9.0')).toBeGreaterThan(0);
    expect(['1.10.0', '1.2.0', '1.9.0'].sort(compareVersions)).toEqual(['1.2.0', '1.9.0', '1.10.0']);
  });
});
