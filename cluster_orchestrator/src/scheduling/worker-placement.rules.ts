import {
  ControlDeployDto,
  InstanceStatus,
  isValidTopicSegment,
  MAX_SIBLING_SERVICES,
  NegativeSchedulingStatus,
  validateDto,
} from '@canopy/contracts';
import type { ClusterInstance } from '../instances/cluster-instance.repository';

/** Statuses of an instance that waits for a worker (the scheduler may place it). */
export const AWAITING_WORKER: readonly string[] = [
  InstanceStatus.CLUSTER_SCHEDULED,
  NegativeSchedulingStatus.NO_WORKER_CAPACITY,
  NegativeSchedulingStatus.NO_QUALIFIED_WORKER_FOUND,
  NegativeSchedulingStatus.NO_NODE_FOUND,
];

/**
 * Statuses after which the instance no longer uses its worker's resources (a one_shot that
 * ended, or an instance the worker gave up on): its reservation is released. A long-running
 * service that exits is restarted by the worker and keeps reporting RUNNING/FAILED, so FAILED
 * keeps the reservation.
 */
export const RELEASES_RESERVATION: ReadonlySet<string> = new Set([
  InstanceStatus.COMPLETED,
  InstanceStatus.DEAD,
]);

/** Fields of the job document a worker needs (ControlDeployDto), copied as they are. */
const DEPLOY_FIELDS = [
  'image',
  'cmd',
  'environment',
  'port',
  'virtualization',
  'platform',
  'vtpus',
  'vgpus',
  'vcpus',
  'memory',
  'storage',
  'vm_images',
  'arch',
  'volumes',
  'one_shot',
  'privileged',
] as const;

/**
 * The InstanceIP the root allocated for this instance: the root puts it into the job document
 * it sends with each DeployInstance (one document per instance), so it is stored with the
 * instance's `job`. Undefined when the root allocated none (an older root).
 */
export function instanceIpOf(instance: Pick<ClusterInstance, 'job'>): string | undefined {
  const ip = instance.job['instance_ip'];
  return typeof ip === 'string' && ip !== '' ? ip : undefined;
}

/**
 * The job names of the application's other services that the root put into the job document
 * (a prefetch hint for the worker's data plane). Entries that could not be job names are left
 * out and the list is bounded: a bad hint never stops the deploy itself.
 */
export function siblingServicesOf(instance: Pick<ClusterInstance, 'job'>): string[] {
  const list = instance.job['sibling_services'];
  if (!Array.isArray(list)) return [];
  return list.filter(isValidTopicSegment).slice(0, MAX_SIBLING_SERVICES);
}

/**
 * The `nodes/<id>/control/deploy` body for an instance: Oakestra's job fields plus
 * `instance_number`, Canopy's `generation` and the instance's `instance_ip`, validated with the contracts DTO so a worker is
 * never sent something it would drop. An invalid job document (e.g. no image) is an error the
 * instance reports instead.
 */
export function deployPayloadOf(
  instance: ClusterInstance,
): { ok: true; body: ControlDeployDto } | { ok: false; error: string } {
  const plain: Record<string, unknown> = {
    _id: instance.service_id,
    job_name: instance.job_name,
    instance_number: instance.instance_number,
    generation: instance.generation,
  };
  for (const key of DEPLOY_FIELDS) {
    const value = instance.job[key];
    if (value !== undefined && value !== null) plain[key] = value;
  }
  const instanceIp = instanceIpOf(instance);
  if (instanceIp !== undefined) plain['instance_ip'] = instanceIp;
  const siblings = siblingServicesOf(instance);
  if (siblings.length > 0) plain['sibling_services'] = siblings;
  const result = validateDto(ControlDeployDto, plain, { forbidUnknown: true });
  if (result.ok) return { ok: true, body: result.value };
  const why = result.errors
    .slice(0, 3)
    .map((e) => (e.path ? `${e.path}: ${e.message}` : e.message))
    .join('; ');
  return { ok: false, error: `the service cannot be sent to a worker (${why})` };
}
