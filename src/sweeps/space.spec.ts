import { AppError } from '../common/errors/app-error';
import { shouldPrune } from './median-rule';
import { checkObjective } from './objective';
import { applyParams, parseSpace } from './space';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).status).toBe(422);
    return (e as AppError).errorCode;
  }
  throw new Error('expected a 422');
}

describe('search space', () => {
  it('sorts keys and keeps valid dimensions', () => {
    const s = parseSpace({
      window: { type: 'int', min: 5, max: 20 },
      'hyperparameters.units': { type: 'choice', values: [8, 16] },
    });
    expect(Object.keys(s)).toEqual(['hyperparameters.units', 'window']);
  });

  it('refuses an empty space, an infinite range, an empty choice, a log range from 0, a fixed field', () => {
    expect(codeOf(() => parseSpace({}))).toBe('EMPTY_SEARCH_SPACE');
    expect(
      codeOf(() => parseSpace({ 'hyperparameters.learning_rate': { type: 'float', min: 0, max: Infinity } })),
    ).toBe('INFINITE_SEARCH_SPACE');
    expect(codeOf(() => parseSpace({ 'hyperparameters.units': { type: 'choice', values: [] } }))).toBe(
      'INVALID_SEARCH_SPACE',
    );
    expect(
      codeOf(() => parseSpace({ 'hyperparameters.learning_rate': { type: 'float', min: 0, max: 1, log: true } })),
    ).toBe('INVALID_SEARCH_SPACE');
    expect(codeOf(() => parseSpace({ model_type: { type: 'choice', values: ['classification'] } }))).toBe(
      'INVALID_SEARCH_SPACE',
    );
    expect(codeOf(() => parseSpace({ window: { type: 'int', min: 5.5, max: 20 } }))).toBe('INVALID_SEARCH_SPACE');
  });

  it('writes parameters at their paths without changing the base', () => {
    const base = { window: 10, hyperparameters: { epochs: 2 } };
    expect(applyParams(base, { 'hyperparameters.units': 8, window: 20 })).toEqual({
      window: 20,
      hyperparameters: { epochs: 2, units: 8 },
    });
    expect(base).toEqual({ window: 10, hyperparameters: { epochs: 2 } });
  });
});

describe('objective', () => {
  it('takes validation metrics with their natural direction, refuses test metrics', () => {
    expect(checkObjective('val_loss', undefined, 'time_series')).toEqual({ metric: 'val_loss', direction: 'minimize' });
    expect(codeOf(() => checkObjective('sharpe', 'maximize', 'time_series'))).toBe('OBJECTIVE_NOT_VALIDATION');
    expect(codeOf(() => checkObjective('test_rmse', 'minimize', 'time_series'))).toBe('OBJECTIVE_NOT_VALIDATION');
    expect(codeOf(() => checkObjective('val_return', undefined, 'time_series'))).toBe('UNKNOWN_OBJECTIVE');
  });
});

describe('median stopping rule', () => {
  const opts = { warmupSteps: 1, minTrials: 2 };
  it('stops a trial whose best so far is worse than the median of the others at that step', () => {
    expect(
      shouldPrune(
        [1.0, 0.9],
        [
          [0.5, 0.4],
          [0.6, 0.5],
          [0.7, 0.6],
        ],
        1,
        opts,
      ),
    ).toBe(true);
    expect(
      shouldPrune(
        [0.5, 0.45],
        [
          [0.5, 0.4],
          [0.6, 0.5],
          [0.7, 0.6],
        ],
        1,
        opts,
      ),
    ).toBe(false);
  });
  it('waits for the warm-up and for enough comparable trials', () => {
    expect(shouldPrune([9], [[0.5], [0.6]], 0, opts)).toBe(false);
    expect(shouldPrune([9, 9], [[0.5, 0.4]], 1, opts)).toBe(false);
    expect(shouldPrune([9, 9], [[0.5], [0.6]], 1, opts)).toBe(false);
  });
});
