import type { SlaAddressesDto } from '@canopy/contracts';

/** One instance of a service (Oakestra's instance record; more fields arrive with clusters). */
export interface InstanceRecord {
  instance_number: number;
  status: string;
  status_detail?: string;
  /** Seconds since the epoch, fractional (Oakestra's unit). */
  last_modified_timestamp?: number;
  [field: string]: unknown;
}

/** A stored service ("job") as services see it. */
export interface StoredService {
  /** ObjectId hex; also `microserviceID`. */
  id: string;
  applicationID: string;
  job_name: string;
  microservice_name: string;
  microservice_namespace: string;
  next_instance_progressive_number: number;
  instance_list: InstanceRecord[];
  status?: string;
  status_detail?: string;
  /** Compare-and-set counter of the document (internal, never rendered). */
  revision: number;
  /** The whole job document as Oakestra shapes it, without `_id` and internal fields. */
  document: Record<string, unknown>;
}

/**
 * A service about to be inserted: its id and job document (without its addresses, which are
 * claimed right before the insert), where it sits in the request (for error paths) and the
 * addresses its SLA asks for.
 */
export interface PlannedService {
  id: string;
  document: Record<string, unknown>;
  /** e.g. `applications[0].microservices[1]`. */
  path: string;
  addresses?: SlaAddressesDto | undefined;
}

/** A change to a service's instances, applied by compare-and-set (see ServiceRepository). */
export interface InstancesChange {
  instance_list: InstanceRecord[];
  next_instance_progressive_number?: number;
  status?: string;
  status_detail?: string;
}
