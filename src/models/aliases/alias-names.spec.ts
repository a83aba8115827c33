import { aliasNameProblem, parseVersionRef, VERSION_OR_ALIAS_PATTERN } from './alias-names';

describe('alias names', () => {
  it('accepts lowercase names starting with a letter', () => {
    for (const name of ['champion', 'challenger', 'prod-eu', 'shadow_2', 'a', 'x'.repeat(64)])
      expect(aliasNameProblem(name)).toBeNull();
  });
  it('refuses names that read like versions, have other characters, or are too long', () => {
    for (const name of [
      '',
      '1.2.0',
      '1',
      'v1',
      'v12',
      'latest',
      'Champion',
      '-x',
      '_x',
      'a.b',
      'a b',
      'a/b',
      '@champion',
      'x'.repeat(65),
      'é',
    ])
      expect(aliasNameProblem(name)).not.toBeNull();
    expect(aliasNameProblem(42)).not.toBeNull();
  });
  it('reads a version field as a version number or an @alias', () => {
    expect(parseVersionRef('1.2.0')).toEqual({ kind: 'version', version: '1.2.0' });
    expect(parseVersionRef('@champion')).toEqual({ kind: 'alias', alias: 'champion' });
    for (const bad of ['@', '@1.0.0', '@latest', '@Champion', 'champion', '01.0.0', '1.0'])
      expect(parseVersionRef(bad)).toBeNull();
  });
  it('the DTO pattern agrees with the parser on what is well-formed', () => {
    for (const s of ['1.2.0', '@champion', '@v-next']) expect(VERSION_OR_ALIAS_PATTERN.test(s)).toBe(true);
    for (const s of ['v1', '1.0', '@', '@Champion', '@1x', ' 1.0.0'])
      expect(VERSION_OR_ALIAS_PATTERN.test(s)).toBe(false);
  });
});
