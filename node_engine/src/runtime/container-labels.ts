import { instanceKey, type InstanceKey, type InstanceSpec } from '../desired/instance-spec';

/**
 * Labels on every container Canopy creates. They make containers self-describing, so the agent
 * can adopt them after a restart (no local bookkeeping needed) and never touches containers it
 * did not create: only containers whose `io.canopy.node_id` is this worker's id are listed.
 */
export const CanopyLabel = {
  MANAGED: 'io.canopy.managed',
  NODE_ID: 'io.canopy.node_id',
  JOB_NAME: 'io.canopy.job_name',
  INSTANCE_NUMBER: 'io.canopy.instance_number',
  GENERATION: 'io.canopy.generation',
  SPEC_HASH: 'io.canopy.spec_hash',
  SERVICE_ID: 'io.canopy.service_id',
  ONE_SHOT: 'io.canopy.one_shot',
  /** The deploy as JSON: lets the agent rebuild a lost or corrupt desired set from containers. */
  SPEC: 'io.canopy.spec',
  /**
   * `canopy` on containers created for the worker data plane (Docker network mode `none`, a veth
   * from the net manager); absent on containers using Docker's networking. A container whose
   * mode does not match the agent's `network.enabled` is replaced.
   */
  NETWORK: 'io.canopy.network',
} as const;

/** Value of CanopyLabel.NETWORK on containers attached by the net manager. */
export const CANOPY_NETWORK_LABEL_VALUE = 'canopy';

/** Labels of one instance's container. */
export function instanceLabels(
  nodeId: string,
  spec: InstanceSpec,
  hash: string,
): Record<string, string> {
  const labels: Record<string, string> = {
    [CanopyLabel.MANAGED]: 'true',
    [CanopyLabel.NODE_ID]: nodeId,
    [CanopyLabel.JOB_NAME]: spec.job_name,
    [CanopyLabel.INSTANCE_NUMBER]: String(spec.instance_number),
    [CanopyLabel.SPEC_HASH]: hash,
    [CanopyLabel.ONE_SHOT]: String(spec.one_shot),
    [CanopyLabel.SPEC]: JSON.stringify(spec),
  };
  if (spec.generation !== undefined) labels[CanopyLabel.GENERATION] = String(spec.generation);
  if (spec._id !== undefined) labels[CanopyLabel.SERVICE_ID] = spec._id;
  return labels;
}

export interface LabelledInstance {
  key?: InstanceKey;
  jobName?: string;
  instanceNumber?: number;
  generation?: number;
  specHash?: string;
  oneShot: boolean;
}

/** Reads the instance identity back from labels; `key` is undefined when they are unusable. */
export function readInstanceLabels(
  labels: Readonly<Record<string, string>> | undefined,
): LabelledInstance {
  const l = labels ?? {};
  const jobName = l[CanopyLabel.JOB_NAME];
  const n = parseNonNegativeInt(l[CanopyLabel.INSTANCE_NUMBER]);
  const generation = parseNonNegativeInt(l[CanopyLabel.GENERATION]);
  const specHash = l[CanopyLabel.SPEC_HASH];
  const oneShot = l[CanopyLabel.ONE_SHOT] === 'true';
  if (!jobName || n === undefined) return { oneShot };
  return {
    key: instanceKey(jobName, n),
    jobName,
    instanceNumber: n,
    generation,
    specHash,
    oneShot,
  };
}

/**
 * Docker name of an instance's container: Oakestra's task id `<job_name>.instance.<n>`, with
 * characters Docker refuses replaced by `_` (names match [a-zA-Z0-9][a-zA-Z0-9_.-]*).
 */
export function containerName(jobName: string, instanceNumber: number): string {
  const base = `${jobName}.instance.${instanceNumber}`.replace(/[^a-zA-Z0-9_.-]/g, '_');
  const safe = /^[a-zA-Z0-9]/.test(base) ? base : `c${base}`;
  return safe.length <= 200 ? safe : `${safe.slice(0, 180)}_${instanceNumber}`;
}

export function instanceHostname(instanceNumber: number): string {
  return `instance-${instanceNumber}`;
}

function parseNonNegativeInt(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}
