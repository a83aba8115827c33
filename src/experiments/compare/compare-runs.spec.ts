import { compareRuns } from './compare-runs';
import { lowerIsBetter, metricDirection } from './metric-direction';

describe('metric direction', () => {
  it.each([
    'loss',
    'val_loss',
    'mse',
    'rmse',
    'mae',
    'log_loss',
    'max_drawdown',
    'backtest_max_drawdown',
    'train_loss',
    'reconstruction_error',
    'val_mae',
    'mean_abs_error',
  ])('%s: lower is better', (k) => expect(lowerIsBetter(k)).toBe(true));
  it.each(['accuracy', 'r2', 'sharpe', 'backtest_sharpe', 'directional_accuracy', 'ic', 'val_return', 'hit_rate'])(
    '%s: higher is better',
    (k) => expect(metricDirection(k)).toBe('higher'),
  );
  it.each([
    'trades',
    'spread_pips',
    'n',
    'directional_n',
    'epochs_run',
    'best_epoch',
    'directional_accuracy_se',
    'accuracy_se',
    'threshold_quantile',
    'constructor',
    '__proto__',
    'x',
  ])('%s: no direction', (k) => expect(metricDirection(k)).toBe('none'));
});

describe('compareRuns', () => {
  const run = (id: string, params: Record<string, string>, metrics: Record<string, number>) => ({
    id,
    name: id,
    status: 'FINISHED',
    start_time: null,
    end_time: null,
    params,
    metrics,
  });

  it('marks differing params, picks the best run per metric and aligns histories on the union of steps', () => {
    const c = compareRuns(
      'e',
      [
        run('a', { arch: 'gru', lr: '0.1' }, { val_loss: 0.2, sharpe: 1 }),
        run('b', { arch: 'gru' }, { val_loss: 0.1, sharpe: 2 }),
      ],
      [
        { run_id: 'a', key: 'val_loss', step: 0, value: 0.5 },
        { run_id: 'a', key: 'val_loss', step: 1, value: 0.2 },
        { run_id: 'b', key: 'val_loss', step: 1, value: 0.3 },
        { run_id: 'b', key: 'val_loss', step: 1, value: 0.1 },
        { run_id: 'b', key: 'val_loss', step: 3, value: 0.05 },
      ],
    );
    expect(c.params).toEqual({
      arch: { values: { a: 'gru', b: 'gru' }, differs: false },
      lr: { values: { a: '0.1', b: null }, differs: true },
    });
    expect(c.metrics.val_loss).toEqual({
      values: { a: 0.2, b: 0.1 },
      best_run_id: 'b',
      direction: 'lower',
      lower_is_better: true,
    });
    expect(c.metrics.sharpe).toEqual({
      values: { a: 1, b: 2 },
      best_run_id: 'b',
      direction: 'higher',
      lower_is_better: false,
    });
    expect(c.histories.val_loss).toEqual({ steps: [0, 1, 3], values: { a: [0.5, 0.2, null], b: [null, 0.1, 0.05] } });
  });

  it('has no best run when no run has the metric, and keeps the first of a tie', () => {
    const c = compareRuns('e', [run('a', {}, { r2: 1, x: 1 }), run('b', {}, { r2: 1, x: 2 })], []);
    expect(c.metrics.r2.best_run_id).toBe('a');
    expect(c.metrics.x).toEqual({
      values: { a: 1, b: 2 },
      best_run_id: null,
      direction: 'none',
      lower_is_better: null,
    });
    expect(c.histories).toEqual({});
  });
});
