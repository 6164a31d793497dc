import { isMetricValue, metricToNumber } from './metric';

describe('metric values', () => {
  it.each<unknown>(['12.5', '0', '100', '1e3', '.5', 3, 0.25])('accepts %j', (value) => {
    expect(isMetricValue(value)).toBe(true);
  });

  it.each<unknown>([
    '',
    'NaN',
    'Infinity',
    'high',
    '1,5',
    '0x10',
    Number.NaN,
    null,
    [],
    '9'.repeat(400),
  ])('rejects %j', (value) => {
    expect(isMetricValue(value)).toBe(false);
  });

  it('converts to a number, 0 when invalid', () => {
    expect(metricToNumber('12.5')).toBe(12.5);
    expect(metricToNumber(7)).toBe(7);
    expect(metricToNumber('n/a')).toBe(0);
  });
});
