import { assignClusterPool } from './cluster-pool.rules';

describe('assignClusterPool', () => {
  it('hands out the lowest free block of the space, skipping any that overlaps a taken pool', () => {
    expect(assignClusterPool('10.18.0.0/15', 20, [])).toBe('10.18.0.0/20');
    expect(assignClusterPool('10.18.0.0/15', 20, ['10.18.0.0/20'])).toBe('10.18.16.0/20');
    // An explicit pool of another size (a cluster's own WORKER_SUBNET_POOL) blocks what it covers.
    expect(assignClusterPool('10.18.0.0/15', 20, ['10.18.0.0/16'])).toBe('10.19.0.0/20');
    expect(assignClusterPool('10.18.0.0/15', 20, ['10.18.40.0/26', 'garbage', ''])).toBe(
      '10.18.0.0/20',
    );
    expect(assignClusterPool('10.18.0.0/15', 20, ['10.18.0.64/26'])).toBe('10.18.16.0/20');
  });

  it('runs out, and refuses a block larger than the space', () => {
    const all = Array.from({ length: 32 }, (_, i) => `10.${18 + (i >> 4)}.${(i % 16) * 16}.0/20`);
    expect(assignClusterPool('10.18.0.0/15', 20, all.slice(0, 31))).toBe('10.19.240.0/20');
    expect(assignClusterPool('10.18.0.0/15', 20, all)).toBeUndefined();
    expect(assignClusterPool('10.18.0.0/15', 14, [])).toBeUndefined();
    expect(assignClusterPool('nonsense', 20, [])).toBeUndefined();
  });
});
