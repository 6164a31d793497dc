import { discrepanciesOf, leaksOf, trackDiscrepancies } from './reservation-audit.rules';

const worker = (free: number, rev = 1) => ({
  id: 'w1',
  rev,
  capacity: { vcpus: 4, memory: 256, vgpus: 0 },
  free: { vcpus: 4 - 1, memory: free, vgpus: 0 },
});
const placed = [
  {
    service_id: 's',
    instance_number: 0,
    reservation: { worker_id: 'w1', vcpus: 1, memory: 100, vgpus: 0 },
  },
  { service_id: 's', instance_number: 1, reservation: null },
  {
    service_id: 's',
    instance_number: 2,
    reservation: { worker_id: 'gone', vcpus: 1, memory: 10, vgpus: 0 },
  },
];

describe('reservation audit', () => {
  it('finds nothing while free = capacity − reservations', () => {
    expect(discrepanciesOf([worker(156)], placed)).toEqual([]);
  });

  it('finds a leak in either direction, with what free should be', () => {
    const [leak] = discrepanciesOf([worker(106)], placed);
    expect(leak).toMatchObject({ workerId: 'w1', expected: { vcpus: 3, memory: 156, vgpus: 0 } });
    expect(discrepanciesOf([worker(200)], placed)).toHaveLength(1);
  });

  it('calls a leak only what stayed exactly the same for the minimum age', () => {
    const first = trackDiscrepancies([], discrepanciesOf([worker(106, 5)], placed, 1_000));
    expect(leaksOf(first, 1_000, 5_000)).toEqual([]);
    const later = trackDiscrepancies(first, discrepanciesOf([worker(106, 5)], placed, 4_000));
    expect(later[0]?.since).toBe(1_000);
    expect(leaksOf(later, 4_000, 5_000)).toEqual([]); // two audits, but younger than the age
    const old = trackDiscrepancies(later, discrepanciesOf([worker(106, 5)], placed, 6_000));
    expect(leaksOf(old, 6_000, 5_000)).toHaveLength(1);
    // The worker changed in between (a reservation or release in flight): the clock restarts.
    const moved = trackDiscrepancies(later, discrepanciesOf([worker(106, 6)], placed, 6_000));
    expect(leaksOf(moved, 6_000, 5_000)).toEqual([]);
    const moreReserved = [
      ...placed,
      {
        service_id: 's',
        instance_number: 3,
        reservation: { worker_id: 'w1', vcpus: 0, memory: 50, vgpus: 0 },
      },
    ];
    const changed = trackDiscrepancies(
      later,
      discrepanciesOf([worker(106, 5)], moreReserved, 6_000),
    );
    expect(leaksOf(changed, 6_000, 5_000)).toEqual([]);
  });
});
