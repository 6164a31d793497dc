import type { ApplicationDto } from '@canopy/contracts';
import { toOid } from '../common/http/object-id';
import type { Application } from './application.model';

/**
 * Oakestra's application shape: `_id` as `{"$oid"}` (it post-processes them so for its
 * dashboard), `applicationID` the same id as plain hex, `userId` the owner's user name.
 */
export function toApplicationDto(app: Application): ApplicationDto {
  return {
    _id: toOid(app.id),
    applicationID: app.id,
    application_name: app.application_name,
    application_namespace: app.application_namespace,
    application_desc: app.application_desc,
    userId: app.userId,
    microservices: [...app.microservices],
  };
}
