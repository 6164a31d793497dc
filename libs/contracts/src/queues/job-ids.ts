/**
 * Deterministic BullMQ job ids, so enqueueing the same work twice (a retry, a reconcile pass,
 * two replicas) yields one job.
 *
 * Separator: BullMQ 5 rejects custom ids that are integers, and ids containing `:` unless they
 * split into exactly 3 parts (a compatibility path it plans to remove), so `:` is avoided.
 *
 * BullMQ ignores an add whose id already exists, including completed and failed jobs it still
 * keeps; the generation in the id makes a reschedule a new job, and queues should still use
 * removeOnComplete/removeOnFail.
 */
export const JOB_ID_SEPARATOR = '.';

const ID_PART = /^[A-Za-z0-9_-]+$/;

function part(value: string, what: string): string {
  if (!ID_PART.test(value))
    throw new RangeError(`${what} ${JSON.stringify(value)} cannot be part of a job id`);
  return value;
}

function integer(value: number, what: string, min: number): string {
  if (!Number.isSafeInteger(value) || value < min)
    throw new RangeError(`${what} ${value} is not an integer >= ${min}`);
  return String(value);
}

/** `schedule.<serviceId>.<instanceNumber>.<generation>` */
export function scheduleInstanceJobId(
  serviceId: string,
  instanceNumber: number,
  generation: number,
): string {
  return [
    'schedule',
    part(serviceId, 'service id'),
    integer(instanceNumber, 'instance number', 0),
    integer(generation, 'generation', 0),
  ].join(JOB_ID_SEPARATOR);
}

/** Inverse of scheduleInstanceJobId; null for any other id. */
export function parseScheduleInstanceJobId(
  jobId: string,
): { serviceId: string; instanceNumber: number; generation: number } | null {
  const match = /^schedule\.([A-Za-z0-9_-]+)\.(\d+)\.(\d+)$/.exec(jobId);
  if (match === null) return null;
  const instanceNumber = Number(match[2]);
  const generation = Number(match[3]);
  if (!Number.isSafeInteger(instanceNumber) || !Number.isSafeInteger(generation)) return null;
  return { serviceId: match[1] as string, instanceNumber, generation };
}
