import { createHash } from 'node:crypto';
import { toStoredVirtualization, type ControlDeployDto } from '@canopy/contracts';

/** `<job_name>#<instance_number>`: one instance of one service, unique on a worker. */
export type InstanceKey = string;

export function instanceKey(jobName: string, instanceNumber: number): InstanceKey {
  return `${jobName}#${instanceNumber}`;
}

/**
 * What the worker keeps of a `control/deploy` message: the node-engine fields of the job
 * document (ControlDeployDto) as plain JSON, minus the cluster's status fields. Persisted in the
 * desired set and re-validated with ControlDeployDto when loaded.
 */
export interface InstanceSpec {
  _id?: string;
  job_name: string;
  instance_number: number;
  image: string;
  cmd: string[];
  environment: string[];
  port?: string;
  virtualization: string;
  platform?: string;
  vtpus: number;
  vgpus: number;
  vcpus: number;
  memory: number;
  storage: number;
  vm_images?: string[];
  arch?: string[];
  volumes?: unknown[];
  one_shot: boolean;
  privileged: boolean;
  /** Canopy: desired-state generation (absent when an Oakestra cluster sent the deploy). */
  generation?: number;
  /** Canopy: the instance's InstanceIP (worker data plane); not part of the spec hash. */
  instance_ip?: string;
  /** Canopy: the application's other services (a table prefetch hint); not part of the hash. */
  sibling_services?: string[];
}

export function toInstanceSpec(dto: ControlDeployDto): InstanceSpec {
  const plain = JSON.parse(JSON.stringify(dto)) as InstanceSpec & {
    status?: string;
    status_detail?: string;
  };
  delete plain.status;
  delete plain.status_detail;
  // Clusters send the stored spelling (`docker`); accept the SLA's `container` as well.
  plain.virtualization = toStoredVirtualization(plain.virtualization);
  return plain;
}

/**
 * Fingerprint of everything that shapes the container. A running container whose label carries
 * another hash is replaced; the service id and the generation are not part of it (a re-sent
 * deploy with the same content must not restart anything).
 */
export function specHash(spec: InstanceSpec): string {
  const relevant = {
    image: spec.image,
    cmd: spec.cmd,
    environment: spec.environment,
    port: spec.port ?? '',
    virtualization: spec.virtualization,
    platform: spec.platform ?? '',
    vcpus: spec.vcpus,
    memory: spec.memory,
    vgpus: spec.vgpus,
    one_shot: spec.one_shot,
    privileged: spec.privileged,
    volumes: spec.volumes ?? [],
  };
  return createHash('sha256').update(JSON.stringify(relevant)).digest('hex').slice(0, 16);
}
