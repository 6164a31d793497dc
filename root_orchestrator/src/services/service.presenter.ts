import type { StoredService } from './service.model';

/**
 * Oakestra returns jobs as its resource abstractor stores them: `_id` as plain hex (not
 * `{"$oid"}`), `microserviceID` the same id. Instances are rendered as stored, so what the
 * cluster reports record (reference §1.6 instance record: `worker_id`, `host_ip`, `cpu_percent`,
 * `memory_percent`, `logs`) shows in GET /api/service/<id> with Oakestra's names.
 */
export function toServiceDto(service: StoredService): Record<string, unknown> {
  return { _id: service.id, ...service.document, microserviceID: service.id };
}
