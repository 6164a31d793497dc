import {
  buildJobName,
  type SlaMicroserviceDto,
  SlaMicroserviceDto as SlaMicroserviceClass,
  toStoredVirtualization,
} from '@canopy/contracts';
import { getMetadataStorage } from 'class-validator';
import type { ServiceAddresses } from '../network/network-address.model';

/** The application fields a service document copies (Oakestra's `generate_db_structure`). */
export interface ServiceParent {
  id: string;
  application_name: string;
  application_namespace: string;
}

/** SLA-only keys that are not stored: `microserviceID` is replaced, `vcpu` folded into `vcpus`. */
const NOT_STORED = new Set(['microserviceID', 'vcpu']);

/**
 * Fields derived from the spec (recomputed when the spec changes). Not `RR_ip`/`RR_ip_v6`: those
 * are the service's claimed addresses (network/), fixed at registration.
 */
const DERIVED_SPEC_FIELDS = ['image', 'virtualization'] as const;

/**
 * Every top-level key an SLA microservice may carry (from its validation metadata), i.e. what
 * PUT /api/service/<id> may change. Names (`microservice_name`, `microservice_namespace`) are in
 * it but must not change (checked by the caller).
 */
export const SERVICE_SPEC_FIELDS: readonly string[] = [
  ...new Set([
    ...getMetadataStorage()
      .getTargetValidationMetadatas(SlaMicroserviceClass, '', true, false)
      .map((m) => m.propertyName)
      .filter((name) => !NOT_STORED.has(name)),
    ...DERIVED_SPEC_FIELDS,
  ]),
];

/**
 * The job document of a new service (reference §1.5 step 2): the validated SLA microservice
 * (defaults applied) plus `microserviceID`, `applicationID`, `app_name`, `app_ns`,
 * `service_name`, `service_ns`, `job_name`, `image` (= code), `virtualization` (container →
 * docker), `next_instance_progressive_number` 0 and an empty `instance_list`. The addresses
 * (`RR_ip`, `RR_ip_v6`, `service_ip_list`) are added by {@link withAddresses} once claimed.
 */
export function buildServiceDocument(
  parent: ServiceParent,
  microservice: SlaMicroserviceDto,
  serviceId: string,
): Record<string, unknown> {
  return {
    ...specDocument(microservice),
    microserviceID: serviceId,
    applicationID: parent.id,
    app_name: parent.application_name,
    app_ns: parent.application_namespace,
    service_name: microservice.microservice_name,
    service_ns: microservice.microservice_namespace,
    job_name: jobNameOf(parent, microservice),
    next_instance_progressive_number: 0,
    instance_list: [],
  };
}

export function jobNameOf(
  parent: Pick<ServiceParent, 'application_name' | 'application_namespace'>,
  microservice: Pick<SlaMicroserviceDto, 'microservice_name' | 'microservice_namespace'>,
): string {
  return buildJobName({
    application_name: parent.application_name,
    application_namespace: parent.application_namespace,
    microservice_name: microservice.microservice_name,
    microservice_namespace: microservice.microservice_namespace,
  });
}

/** The spec part of a job document: SLA fields (plain JSON) and the fields derived from them. */
export function specDocument(microservice: SlaMicroserviceDto): Record<string, unknown> {
  // The validated DTO is a class instance with nested instances; stored is plain JSON.
  const plain = JSON.parse(JSON.stringify(microservice)) as Record<string, unknown>;
  for (const key of NOT_STORED) delete plain[key];
  return {
    ...plain,
    image: microservice.code,
    virtualization: toStoredVirtualization(microservice.virtualization),
  };
}

/** The job document with the service's claimed addresses (Oakestra's `RR_ip`, `service_ip_list`). */
export function withAddresses(
  document: Record<string, unknown>,
  addresses: ServiceAddresses,
): Record<string, unknown> {
  return {
    ...document,
    RR_ip: addresses.RR_ip,
    ...(addresses.RR_ip_v6 !== undefined ? { RR_ip_v6: addresses.RR_ip_v6 } : {}),
    service_ip_list: addresses.service_ip_list,
  };
}

/**
 * The update that turns the stored spec into `next`: `$set` of every spec field `next` has,
 * `$unset` of the spec fields it dropped. Instances, counters and derived ids are untouched.
 */
export function specChanges(
  current: Record<string, unknown>,
  next: Record<string, unknown>,
): { set: Record<string, unknown>; unset: string[] } {
  const set: Record<string, unknown> = {};
  const unset: string[] = [];
  for (const field of SERVICE_SPEC_FIELDS) {
    if (next[field] !== undefined) set[field] = next[field];
    else if (current[field] !== undefined) unset.push(field);
  }
  return { set, unset };
}
