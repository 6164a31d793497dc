import type { StoredService } from './service.model';

/**
 * Oakestra returns jobs as its resource abstractor stores them: `_id` as plain hex (not
 * `{"$oid"}`), `microserviceID` the same id.
 */
export function toServiceDto(service: StoredService): Record<string, unknown> {
  return { _id: service.id, ...service.document, microserviceID: service.id };
}
