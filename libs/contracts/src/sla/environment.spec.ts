import { isEnvironmentEntry, parseEnvironmentEntry } from './environment';

describe('environment entries', () => {
  it.each(['MODE=test', 'EMPTY=', '_X=1', 'URL=http://a/?b=c', 'lower_case9=x y'])(
    'accepts %j',
    (entry) => {
      expect(isEnvironmentEntry(entry)).toBe(true);
    },
  );

  it.each<unknown>(['MODE', '=value', '1ABC=x', 'MY-VAR=x', 'A B=x', 'A=\0', '', 42, null])(
    'rejects %j',
    (entry) => {
      expect(isEnvironmentEntry(entry)).toBe(false);
    },
  );

  it('splits at the first =', () => {
    expect(parseEnvironmentEntry('URL=a=b')).toEqual({ name: 'URL', value: 'a=b' });
    expect(parseEnvironmentEntry('bad')).toBeNull();
  });
});
