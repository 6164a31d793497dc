import { IsDefined, IsIP, IsNotEmpty, IsString } from 'class-validator';
import { OptionalField } from '../validation/validators';
import { MicroserviceSpecDto } from './microservice-spec.dto';

/**
 * The stored service ("job") document as the root sends it to a cluster (the `job` JSON of a
 * session DeployInstance; Oakestra: body of POST <cluster>/api/service/<job_id>/<n>): the SLA
 * microservice plus the fields the root derives at registration (reference §1.5 step 2).
 * Validate with `forbidUnknown: false` so fields added by a newer root are dropped, not fatal.
 */
export class ServiceJobDto extends MicroserviceSpecDto {
  /** Service id (Mongo ObjectId hex). */
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  _id!: string;

  /** Equal to `_id` once stored. */
  @OptionalField()
  @IsString()
  microserviceID?: string;

  /** `app.appns.svc.svcns` (see buildJobName). */
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  job_name!: string;

  @OptionalField()
  @IsString()
  applicationID?: string;

  @OptionalField()
  @IsString()
  app_name?: string;

  @OptionalField()
  @IsString()
  app_ns?: string;

  @OptionalField()
  @IsString()
  service_name?: string;

  @OptionalField()
  @IsString()
  service_ns?: string;

  /** Copy of `code`, the name workers read. */
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  image!: string;

  /** Round-robin service IP, copied from `addresses.rr_ip` (older net managers read this). */
  @OptionalField()
  @IsIP(4)
  RR_ip?: string;

  @OptionalField()
  @IsIP(6)
  RR_ip_v6?: string;
}

/** Separator of the four parts of a job name. */
export const JOB_NAME_SEPARATOR = '.';

/**
 * Oakestra's fully qualified service name `app.appns.svc.svcns`. Safe as an MQTT topic level
 * because the four parts match SLA_NAME_PATTERN (alphanumeric).
 */
export function buildJobName(parts: {
  application_name: string;
  application_namespace: string;
  microservice_name: string;
  microservice_namespace: string;
}): string {
  return [
    parts.application_name,
    parts.application_namespace,
    parts.microservice_name,
    parts.microservice_namespace,
  ].join(JOB_NAME_SEPARATOR);
}
