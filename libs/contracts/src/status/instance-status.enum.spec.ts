import {
  DeploymentStatus,
  INSTANCE_STATUSES,
  InstanceStatus,
  isActiveDeploymentStatus,
  isDeploymentStatus,
  isFailureStatus,
  isInstanceStatus,
  isNegativeSchedulingStatus,
  isPositiveSchedulingStatus,
  isTerminalStatus,
  NegativeSchedulingStatus,
  PositiveSchedulingStatus,
} from './instance-status.enum';

describe('instance statuses', () => {
  it("keeps Oakestra's exact strings", () => {
    expect(Object.values(PositiveSchedulingStatus)).toEqual([
      'REQUESTED',
      'CLUSTER_SCHEDULED',
      'NODE_SCHEDULED',
    ]);
    expect(Object.values(NegativeSchedulingStatus)).toEqual([
      'TargetClusterNotFound',
      'TargetClusterNotActive',
      'TargetClusterNoCapacity',
      'NoActiveClusterWithCapacity',
      'NO_WORKER_CAPACITY',
      'NO_QUALIFIED_WORKER_FOUND',
      'NO_NODE_FOUND',
    ]);
    expect(Object.values(DeploymentStatus)).toEqual([
      'CREATING',
      'CREATED',
      'RUNNING',
      'FAILED',
      'DEAD',
      'COMPLETED',
      'UNDEPLOYED',
    ]);
  });

  it('has no duplicates and every group member is an instance status', () => {
    expect(new Set(INSTANCE_STATUSES).size).toBe(17);
    expect(Object.values(InstanceStatus).sort()).toEqual([...INSTANCE_STATUSES].sort());
  });

  it('puts each status in exactly one of the three groups', () => {
    for (const status of INSTANCE_STATUSES) {
      const groups = [
        isPositiveSchedulingStatus,
        isNegativeSchedulingStatus,
        isDeploymentStatus,
      ].filter((g) => g(status));
      expect(groups).toHaveLength(1);
    }
  });

  it('classifies lifecycle states', () => {
    expect(isTerminalStatus('COMPLETED')).toBe(true);
    expect(isTerminalStatus('UNDEPLOYED')).toBe(true);
    expect(isTerminalStatus('FAILED')).toBe(false);
    expect(isFailureStatus('DEAD')).toBe(true);
    expect(isFailureStatus('NO_WORKER_CAPACITY')).toBe(true);
    expect(isFailureStatus('RUNNING')).toBe(false);
    expect(isActiveDeploymentStatus('CREATING')).toBe(true);
    expect(isActiveDeploymentStatus('NODE_SCHEDULED')).toBe(false);
  });

  it.each<unknown>(['running', '', 'ACTIVE', '0', null, 1, undefined, {}])(
    'rejects %j as a status',
    (value) => {
      expect(isInstanceStatus(value)).toBe(false);
    },
  );
});
