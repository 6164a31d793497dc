import { interestExpired, newActivity, observeCounters } from './interest-expiry';

const addresses = ['10.30.5.5', '10.30.5.6'];
const counters = (generation: number, entries: [string, number][]) => ({
  generation,
  packets: new Map(entries),
});

describe('interest expiry', () => {
  it('a growing counter is activity; an unchanged one is not', () => {
    let a = newActivity(0);
    a = observeCounters(a, addresses, counters(1, [['10.30.5.5', 2]]), 1_000);
    expect(a.lastActiveMs).toBe(1_000);
    a = observeCounters(a, addresses, counters(1, [['10.30.5.5', 2]]), 5_000);
    expect(a.lastActiveMs).toBe(1_000);
    a = observeCounters(
      a,
      addresses,
      counters(1, [
        ['10.30.5.5', 2],
        ['10.30.5.6', 1],
      ]),
      6_000,
    );
    expect(a.lastActiveMs).toBe(6_000);
  });

  it('after a table replacement (new generation) any non-zero count is new', () => {
    let a = observeCounters(newActivity(0), addresses, counters(1, [['10.30.5.5', 5]]), 1_000);
    a = observeCounters(a, addresses, counters(2, [['10.30.5.5', 1]]), 2_000);
    expect(a.lastActiveMs).toBe(2_000);
    a = observeCounters(a, addresses, counters(3, []), 3_000);
    expect(a.lastActiveMs).toBe(2_000);
  });

  it('other addresses do not count', () => {
    const a = observeCounters(newActivity(0), addresses, counters(1, [['10.30.9.9', 7]]), 1_000);
    expect(a.lastActiveMs).toBe(0);
  });

  it('expires after the TTL without activity, never with a local instance', () => {
    const a = newActivity(1_000);
    expect(interestExpired(a, 60_999, 60_000, false)).toBe(false);
    expect(interestExpired(a, 61_000, 60_000, false)).toBe(true);
    expect(interestExpired(a, 1_000_000, 60_000, true)).toBe(false);
  });
});
