import type {
  ClusterPlacementOutcome,
  ClusterPlacementService,
} from '../clusters/cluster-placement.service';
import { RootSchedulingService } from './root-scheduling.service';

function sutWith(outcome: ClusterPlacementOutcome) {
  const calls: [string, number, number | undefined][] = [];
  const placement = {
    placeInstance: async (serviceId: string, instanceNumber: number, generation?: number) => {
      calls.push([serviceId, instanceNumber, generation]);
      return outcome;
    },
  } as unknown as ClusterPlacementService;
  return { sut: new RootSchedulingService(placement), calls };
}

const placed: ClusterPlacementOutcome = {
  outcome: 'placed',
  clusterId: 'c'.repeat(24),
  clusterName: 'c1',
  delivered: true,
};
const unplaced: ClusterPlacementOutcome = {
  outcome: 'unplaced',
  status: 'NoActiveClusterWithCapacity',
  detail: '2 clusters: 2 lack memory',
};

describe(RootSchedulingService.name, () => {
  const job = { serviceId: 'a'.repeat(24), instanceNumber: 1, generation: 2 };

  it("places the job's instance, for the job's generation", async () => {
    const { sut, calls } = sutWith(placed);
    expect(await sut.schedule(job)).toBe('placed');
    expect(calls).toEqual([[job.serviceId, 1, 2]]);
  });

  it('asks for a retry when no cluster fits', async () => {
    expect(await sutWith(unplaced).sut.schedule(job)).toBe('pending');
  });

  it('drops the job when the placement has nothing to do (gone, placed, rescheduled)', async () => {
    expect(await sutWith({ outcome: 'dropped' }).sut.schedule(job)).toBe('dropped');
  });

  it.each([{ serviceId: 5 }, { serviceId: 'x', instanceNumber: 1.5, generation: 0 }, null])(
    'drops job data it does not understand: %j',
    async (data) => {
      const { sut, calls } = sutWith(placed);
      expect(await sut.schedule(data as never)).toBe('dropped');
      expect(calls).toEqual([]);
    },
  );
});
