/**
 * Ids, versions and file paths are allow-listed; slugify always yields a valid id; and
 * resolveInside refuses anything that would resolve outside (or onto) the root.
 */
import * as fc from 'fast-check';
import { AppError } from '../../common/errors/app-error';
import {
  assertArtifactPath,
  assertModelId,
  assertVersion,
  isValidModelId,
  isValidVersion,
  resolveInside,
  slugify,
} from './artifact-ids';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).status).toBe(422);
    return (e as AppError).errorCode;
  }
}

describe('model ids', () => {
  it.each(['lstm', 'lstm_price_predictor', 'a', '0', 'eur-usd_v2', 'a'.repeat(64)])('accepts %p', (id) => {
    expect(assertModelId(id)).toBe(id);
  });

  it.each([
    '',
    '.',
    '..',
    '.hidden',
    '../x',
    'a/b',
    'a\\b',
    '/etc',
    'LSTM',
    '-lead',
    '_lead',
    'a'.repeat(65),
    'a b',
    '%2e%2e',
    'a%2fb',
    '\u2024\u2024',
    '\uff0e\uff0e',
    'ｌｓｔｍ',
    'lstm\u0301',
    'lst\u0435m',
    'a\0b',
    'a.b',
    ' lstm',
    'lstm\n',
  ])('rejects %p with 422 INVALID_MODEL_ID', (id) => {
    expect(codeOf(() => assertModelId(id))).toBe('INVALID_MODEL_ID');
  });

  it.each([undefined, null, 42, {}, ['lstm']])('rejects the non-string %p', (id) => {
    expect(codeOf(() => assertModelId(id))).toBe('INVALID_MODEL_ID');
  });

  it('keeps error messages short for huge ids', () => {
    try {
      assertModelId('x'.repeat(1_000_000));
    } catch (e) {
      expect((e as Error).message.length).toBeLessThan(300);
    }
  });
});

describe('versions', () => {
  it.each(['0.0.0', '1.0.0', '1.2.3', '10.20.30', '999999.999999.999999'])('accepts %p', (v) => {
    expect(assertVersion(v)).toBe(v);
  });

  it.each([
    '',
    '1',
    '1.0',
    '1.0.0.0',
    'v1.0.0',
    '01.0.0',
    '1.00.0',
    '1.0.0-beta',
    '1.0.0+b',
    '../1.0.0',
    '1.0.0/..',
    '1000000.0.0',
    '１.0.0',
    '1.0.0\n',
    ' 1.0.0',
  ])('rejects %p with 422 INVALID_VERSION', (v) => {
    expect(codeOf(() => assertVersion(v))).toBe('INVALID_VERSION');
  });

  it('never accepts anything longer than the database column (20)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 30 }), (s) => !isValidVersion(s) || s.length <= 20));
  });
});

describe('artifact file paths', () => {
  it.each([
    'metrics.json',
    'preprocessing.json',
    'model/model.json',
    'model/weights.bin',
    'a/b/c/d.txt',
    'weights_v1.2.bin',
    '__proto__',
  ])('accepts %p', (p) => {
    expect(assertArtifactPath(p)).toBe(p);
  });

  it.each([
    '',
    '..',
    '.',
    '../x',
    'a/../../x',
    'a/./b',
    '/etc/passwd',
    'C:\\x',
    '\\\\server\\share',
    'a\\b',
    '.hidden',
    'model/.git',
    'a//b',
    'a/',
    '/a',
    '%2e%2e/x',
    '\u2024\u2024/x',
    '\uff0e\uff0e/x',
    'ｍodel.json',
    'x\0y',
    '-rf',
    'manifest.json',
    'a/b/c/d/e/f/g/h/i',
    'x'.repeat(129),
  ])('rejects %p with 422 INVALID_ARTIFACT_PATH', (p) => {
    expect(codeOf(() => assertArtifactPath(p))).toBe('INVALID_ARTIFACT_PATH');
  });
});

describe('resolveInside', () => {
  const root = '/srv/registry';

  it('resolves plain segments below the root', () => {
    expect(resolveInside(root, 'lstm', '1.0.0')).toBe('/srv/registry/lstm/1.0.0');
    expect(resolveInside(root, 'lstm', '1.0.0', 'model/weights.bin')).toBe(
      '/srv/registry/lstm/1.0.0/model/weights.bin',
    );
  });

  it.each([[['..']], [['../x']], [['a', '..', '..', 'x']], [['/etc']], [['']], [['.']], [['a/./b']], [['a', '..']]])(
    'refuses %p',
    (segments) => {
      expect(codeOf(() => resolveInside(root, ...segments))).toBe('PATH_OUTSIDE_REGISTRY');
    },
  );

  it('never returns a path outside the root, whatever the segments', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.constantFrom('..', '.', '/', '../..', 'a/../..', '')), { maxLength: 4 }),
        (segments) => {
          try {
            const p = resolveInside(root, ...segments);
            expect(p.startsWith(`${root}/`)).toBe(true);
          } catch (e) {
            expect((e as AppError).errorCode).toBe('PATH_OUTSIDE_REGISTRY');
          }
        },
      ),
    );
  });
});

describe('slugify', () => {
  it.each([
    ['LSTM Price Predictor', 'lstm_price_predictor'],
    ['  EUR/USD -- 1h  regime!! ', 'eur_usd_1h_regime'],
    ['Modèle Prévision', 'modele_prevision'],
    ['___', 'model'],
    ['', 'model'],
    ['日本語', 'model'],
    ['../../etc/passwd', 'etc_passwd'],
    ['a'.repeat(70), 'a'.repeat(64)],
    [`${'a'.repeat(63)} b`, 'a'.repeat(63)],
  ])('%p → %p', (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  it('always yields a valid model id', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme', maxLength: 100 })),
        (name) => isValidModelId(slugify(name)),
      ),
    );
  });
});
