import { BadRequestError } from '../common/errors/domain-errors';
import { parseInstanceNumber, requestedInstance, splitInstances } from './instance.rules';

describe('instance rules', () => {
  it.each(['0', '7', '-1', '123456789'])('accepts instance number %s', (text) => {
    expect(parseInstanceNumber(text)).toBe(Number(text));
  });

  it.each(['', '-2', '01', '1.5', 'abc', '1e3', '9999999999', ' 1'])(
    'refuses %j with 400',
    (text) => {
      expect(() => parseInstanceNumber(text)).toThrow(BadRequestError);
    },
  );

  it('starts instances REQUESTED, waiting for a decision, with a timestamp in seconds', () => {
    expect(requestedInstance(3, 1_700_000_000_500)).toEqual({
      instance_number: 3,
      status: 'REQUESTED',
      status_detail: 'Waiting for scheduling decision',
      last_modified_timestamp: 1_700_000_000.5,
    });
  });

  it('splits one instance, or all of them for -1', () => {
    const list = [0, 1, 2].map((n) => requestedInstance(n, 0));
    expect(splitInstances(list, 1).removed.map((i) => i.instance_number)).toEqual([1]);
    expect(splitInstances(list, 1).kept.map((i) => i.instance_number)).toEqual([0, 2]);
    expect(splitInstances(list, -1).kept).toEqual([]);
    expect(splitInstances(list, 5).removed).toEqual([]);
  });
});
