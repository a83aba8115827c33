import { barsPerYear, periodsPerYear } from './annualization';
import { pipSizeFor } from './pip-size';

describe('annualization', () => {
  it('counts a forex year as 260 days of 24 hours', () => {
    expect(barsPerYear('1d')).toBe(260);
    expect(barsPerYear('4h')).toBe(1560);
    expect(barsPerYear('1h')).toBe(6240);
    expect(barsPerYear('1m')).toBe(374400);
  });

  it('divides by the horizon for non-overlapping holding periods', () => {
    expect(periodsPerYear('1h', 4)).toBe(1560);
    expect(periodsPerYear('1d', 1)).toBe(260);
    expect(() => periodsPerYear('1h', 0)).toThrow(RangeError);
  });
});

describe('pipSizeFor', () => {
  it('is 0.01 for JPY-quoted pairs and 0.0001 otherwise, in any spelling', () => {
    expect(pipSizeFor('USD/JPY')).toBe(0.01);
    expect(pipSizeFor('eurjpy')).toBe(0.01);
    expect(pipSizeFor('EUR_USD')).toBe(0.0001);
    expect(pipSizeFor('JPY/USD')).toBe(0.0001);
    expect(() => pipSizeFor('gold')).toThrow(RangeError);
  });
});
