import { spec } from '../testing/fixtures';
import {
  firstShortfall,
  fitsAfterReservation,
  remainingAfterReservation,
  reservationFor,
} from './reservation';
import type { ResourceAmounts } from './types';

const r = (vcpus: number, memory: number, vgpus = 0): ResourceAmounts => ({ vcpus, memory, vgpus });

describe(reservationFor.name, () => {
  it('takes vcpus, memory and vgpus from the spec, vgpus defaulting to 0', () => {
    expect(reservationFor(spec({ vcpus: 2, memory: 300, vgpus: 1 }))).toEqual(r(2, 300, 1));
    expect(reservationFor({ virtualization: 'docker', vcpus: 1, memory: 100 })).toEqual(r(1, 100));
  });
});

describe(fitsAfterReservation.name, () => {
  it.each<[string, ResourceAmounts, ResourceAmounts, boolean, string | undefined]>([
    ['exact fit', r(2, 512, 1), r(2, 512, 1), true, undefined],
    ['room to spare', r(4, 1024), r(2, 512), true, undefined],
    ['1 MB over', r(4, 511), r(2, 512), false, 'memory'],
    ['one core short', r(1, 4096), r(2, 512), false, 'vcpus'],
    ['no GPU', r(4, 4096, 0), r(1, 1, 1), false, 'vgpus'],
    ['zero request on empty candidate', r(0, 0, 0), r(0, 0, 0), true, undefined],
    ['unknown (NaN) memory', r(4, Number.NaN), r(1, 1), false, 'memory'],
  ])('%s', (_name, available, reservation, fits, shortfall) => {
    expect(fitsAfterReservation(available, reservation)).toBe(fits);
    expect(firstShortfall(available, reservation)).toBe(shortfall);
  });
});

describe(remainingAfterReservation.name, () => {
  it('subtracts per resource, or refuses to go negative', () => {
    expect(remainingAfterReservation(r(4, 1024, 1), r(1, 1024, 1))).toEqual(r(3, 0, 0));
    expect(remainingAfterReservation(r(4, 1023), r(1, 1024))).toBeUndefined();
  });
});
