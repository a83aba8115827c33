import { AppError } from '../common/errors/app-error';
import { baseRequest } from './base-request';
import { checkCronShape, checkTimezone, checkWindow, lengthMs, resolveWindow } from './schedule-rules';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as AppError).errorCode;
  }
  return 'accepted';
};

describe('schedule rules', () => {
  it('cron: five fields or a macro; anything else is INVALID_CRON', () => {
    expect(code(() => checkCronShape('0 6 * * 1-5'))).toBe('accepted');
    expect(code(() => checkCronShape(' @daily '))).toBe('accepted');
    expect(code(() => checkCronShape('0 0 6 * * *'))).toBe('INVALID_CRON');
    expect(code(() => checkCronShape('FREQ=DAILY'))).toBe('INVALID_CRON');
    expect(code(() => checkCronShape(''))).toBe('INVALID_CRON');
  });

  it('time zones: IANA names, not offsets or unknown names', () => {
    expect(code(() => checkTimezone('Europe/London'))).toBe('accepted');
    expect(code(() => checkTimezone('UTC'))).toBe('accepted');
    expect(code(() => checkTimezone('+01:00'))).toBe('UNKNOWN_TIME_ZONE');
    expect(code(() => checkTimezone('Mars/Olympus'))).toBe('UNKNOWN_TIME_ZONE');
  });

  it('rolling lengths in hours, days or weeks, at most 100 years', () => {
    expect(lengthMs('365d')).toBe(365 * 86_400_000);
    expect(lengthMs('2w')).toBe(14 * 86_400_000);
    expect(lengthMs('72h')).toBe(72 * 3_600_000);
    for (const bad of ['0d', '1y', '365', 'd', '-3d', '99999w'])
      expect(code(() => lengthMs(bad))).toBe('INVALID_WINDOW');
  });

  it('a window ends at the latest bar; rolling counts back its length, expanding starts at start_date', () => {
    const latest = new Date('2024-12-31T00:00:00Z');
    expect(resolveWindow(checkWindow({ kind: 'rolling', length: '365d' }), latest)).toEqual({
      start: new Date('2024-01-01T00:00:00Z'),
      end: latest,
    });
    expect(resolveWindow(checkWindow({ kind: 'expanding', start_date: '2015-01-01T00:00:00Z' }), latest)).toEqual({
      start: new Date('2015-01-01T00:00:00Z'),
      end: latest,
    });
    expect(
      code(() => resolveWindow(checkWindow({ kind: 'expanding', start_date: '2025-01-01T00:00:00Z' }), latest)),
    ).toBe('INVALID_WINDOW');
    expect(code(() => checkWindow({ kind: 'rolling' }))).toBe('INVALID_WINDOW');
    expect(code(() => checkWindow({ kind: 'expanding', length: '3d' }))).toBe('INVALID_WINDOW');
    expect(code(() => checkWindow({ kind: 'expanding', start_date: null }))).toBe('INVALID_WINDOW');
  });

  it('the base request: the model fixes id and type, the latest version fills the rest, given fields win (hyperparameters key by key)', () => {
    const model = { id: 'm', name: 'M', type: 'time_series', description: null } as never;
    const version = {
      features: ['rsi_14'],
      target: 'price_change_1d',
      symbols: ['EUR/USD'],
      timeframe: '1d',
      window: 20,
      architecture: 'gru',
      hyperparameters: { units: 32, epochs: 10 },
      data_config: { seed: 3, scaler: 'minmax', start_date: 'x' },
    } as never;
    expect(baseRequest(model, version, { window: 10, hyperparameters: { epochs: 2 } })).toEqual({
      name: 'M',
      model_id: 'm',
      model_type: 'time_series',
      features: ['rsi_14'],
      target: 'price_change_1d',
      symbols: ['EUR/USD'],
      timeframe: '1d',
      window: 10,
      architecture: 'gru',
      seed: 3,
      scaler: 'minmax',
      hyperparameters: { units: 32, epochs: 2 },
    });
    // lstm_units alone replaces the stored units rather than conflicting with them.
    expect(baseRequest(model, version, { hyperparameters: { lstm_units: 8 } }).hyperparameters).toEqual({
      lstm_units: 8,
      epochs: 10,
    });
    for (const fixed of ['start_date', 'end_date', 'model_id', 'model_type'])
      expect(code(() => baseRequest(model, version, { [fixed]: 'x' }))).toBe('INVALID_SCHEDULE_BASE');
  });
});
