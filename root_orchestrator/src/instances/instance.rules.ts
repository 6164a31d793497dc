import { InstanceStatus } from '@canopy/contracts';
import { BadRequestError } from '../common/errors/domain-errors';
import type { InstanceRecord } from '../services/service.model';
import { WAITING_FOR_SCHEDULING } from '../scheduling/scheduling.constants';

/** Oakestra's "every instance" in DELETE /api/service/<id>/instance/<n>. */
export const ALL_INSTANCES = -1;

/** The path parameter: an instance number (0, 1, ...) or -1 for all. */
export function parseInstanceNumber(text: string): number {
  if (!/^(-1|0|[1-9]\d{0,8})$/.test(text)) {
    throw new BadRequestError('instance_number must be an integer >= 0, or -1 for all instances', [
      { path: 'instance_number', message: 'must be an integer >= 0, or -1' },
    ]);
  }
  return Number(text);
}

export function requestedInstance(instanceNumber: number, nowMs: number): InstanceRecord {
  return {
    instance_number: instanceNumber,
    status: InstanceStatus.REQUESTED,
    status_detail: WAITING_FOR_SCHEDULING,
    last_modified_timestamp: nowMs / 1000,
  };
}

/** Splits the list into the instances to keep and those `which` (a number, or -1) removes. */
export function splitInstances(
  instances: readonly InstanceRecord[],
  which: number,
): { kept: InstanceRecord[]; removed: InstanceRecord[] } {
  const matches = (i: InstanceRecord): boolean =>
    which === ALL_INSTANCES || i.instance_number === which;
  return { kept: instances.filter((i) => !matches(i)), removed: instances.filter(matches) };
}
