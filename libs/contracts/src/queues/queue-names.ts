/**
 * BullMQ queues. Names must not contain `:` (BullMQ uses it as its Redis key separator and
 * rejects such names).
 */
export const QueueName = {
  /** Root: place a REQUESTED instance on a cluster. */
  ROOT_SCHEDULING: 'root-scheduling',
  /** Cluster: place a CLUSTER_SCHEDULED instance on a worker. */
  CLUSTER_SCHEDULING: 'cluster-scheduling',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

/** Job names within the queues. */
export const JobName = {
  SCHEDULE_INSTANCE: 'schedule-instance',
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

/**
 * Data of a scheduling job. Only identifiers: the database is the source of truth and the
 * worker reloads the service, so a job re-derived after losing Redis is identical.
 */
export interface ScheduleInstanceJobData {
  /** Root job (service) id. */
  serviceId: string;
  instanceNumber: number;
  /**
   * Desired-state generation the job was enqueued for; the scheduler drops the job when the
   * instance has moved on (undeployed or rescheduled since).
   */
  generation: number;
}

/** True for job data this version can process (jobs outlive deployments in Redis). */
export function isScheduleInstanceJobData(data: unknown): data is ScheduleInstanceJobData {
  const d = data as Partial<ScheduleInstanceJobData> | null;
  return (
    typeof d === 'object' &&
    d !== null &&
    typeof d.serviceId === 'string' &&
    Number.isSafeInteger(d.instanceNumber) &&
    Number.isSafeInteger(d.generation)
  );
}

export type RootSchedulingJobData = ScheduleInstanceJobData;
export type ClusterSchedulingJobData = ScheduleInstanceJobData;
