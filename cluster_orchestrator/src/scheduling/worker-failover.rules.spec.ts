import type { ClusterInstance } from '../instances/cluster-instance.repository';
import type { Worker } from '../workers/worker.repository';
import { instancesToMove, isWorkerLost } from './worker-failover.rules';

const worker = { last_seen: new Date(10_000) } as Worker;

const instance = (worker_id: string, status: string): ClusterInstance =>
  ({ service_id: 's', instance_number: 0, generation: 0, worker_id, status }) as ClusterInstance;

describe('worker failover rules', () => {
  it('a worker is lost only when inactive AND silent for longer than the grace period', () => {
    expect(isWorkerLost(worker, new Date(12_001), false, 2_000)).toBe(true);
    expect(isWorkerLost(worker, new Date(12_000), false, 2_000)).toBe(false);
    expect(isWorkerLost(worker, new Date(60_000), true, 2_000)).toBe(false); // still active
  });

  it('moves what still wants to run; finished one_shots and other workers stay', () => {
    const lost = new Set(['w1']);
    const moved = instancesToMove(lost, [
      instance('w1', 'RUNNING'),
      instance('w1', 'NODE_SCHEDULED'),
      instance('w1', 'FAILED'),
      instance('w1', 'COMPLETED'),
      instance('w1', 'DEAD'),
      instance('w2', 'RUNNING'),
      instance('', 'NO_WORKER_CAPACITY'),
    ]);
    expect(moved.map((i) => `${i.worker_id}:${i.status}`)).toEqual([
      'w1:RUNNING',
      'w1:NODE_SCHEDULED',
      'w1:FAILED',
    ]);
  });
});
