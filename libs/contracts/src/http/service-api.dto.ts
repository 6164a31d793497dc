import { Equals, IsDefined, IsInt, IsNumber, IsString, Min } from 'class-validator';
import { ServiceJobDto } from '../sla/service-job.dto';
import {
  IsNonNegativeInt,
  NestedArray,
  NestedObject,
  OptionalField,
} from '../validation/validators';

/**
 * One instance of a service (Oakestra's instance record, reference §1.6). The root fills
 * `instance_number`, `status` and `status_detail`; scheduling and cluster reports add the rest.
 */
export class ServiceInstanceDto {
  @IsDefined()
  @IsNonNegativeInt()
  instance_number!: number;

  /** An InstanceStatus name (REQUESTED, CLUSTER_SCHEDULED, RUNNING, ...). */
  @IsDefined()
  @IsString()
  status!: string;

  @OptionalField()
  @IsString()
  status_detail?: string;

  @OptionalField()
  @IsString()
  cluster_id?: string;

  @OptionalField()
  @IsString()
  cluster_location?: string;

  @OptionalField()
  @IsString()
  worker_id?: string;

  @OptionalField()
  @IsString()
  host_ip?: string;

  @OptionalField()
  @IsInt()
  host_port?: number;

  @OptionalField()
  @IsString()
  publicip?: string;

  @OptionalField()
  @IsNumber()
  cpu_percent?: number;

  @OptionalField()
  @IsNumber()
  memory_percent?: number;

  /** Seconds since the epoch (fractional), as Oakestra. */
  @OptionalField()
  @IsNumber()
  last_modified_timestamp?: number;
}

/**
 * A service ("job") as GET /api/service/<id> shows it: the stored job document (`_id` plain hex,
 * as Oakestra returns jobs) with its instances and counters.
 */
export class ServiceDto extends ServiceJobDto {
  @IsDefined()
  @IsNonNegativeInt()
  next_instance_progressive_number!: number;

  @IsDefined()
  @NestedArray(() => ServiceInstanceDto)
  instance_list!: ServiceInstanceDto[];

  /** Service-level status (Oakestra sets REQUESTED on scale-up); absent before the first. */
  @OptionalField()
  @IsString()
  status?: string;

  @OptionalField()
  @IsString()
  status_detail?: string;
}

export class DeployedServiceDto {
  /** The microservice_name. */
  @IsDefined()
  @IsString()
  service_name!: string;

  /** 200, as Oakestra. */
  @IsDefined()
  @IsInt()
  status!: number;

  /** Canopy: the new service id. */
  @OptionalField()
  @IsString()
  job_id?: string;
}

export class FailedServiceDto {
  @IsDefined()
  @IsString()
  service_name!: string;

  @IsDefined()
  @IsInt()
  status!: number;

  @OptionalField()
  @IsString()
  message?: string;
}

/**
 * Answer to POST /api/service/ (Oakestra's shape). `job_id` is the id of the last service added
 * (`""` when the SLA listed none). Canopy registers all services or none, so `failed_services`
 * is always empty on success; a failure is an error response.
 */
export class ServiceDeploymentResultDto {
  @IsDefined()
  @IsString()
  job_id!: string;

  @IsDefined()
  @NestedArray(() => DeployedServiceDto)
  deployed_services!: DeployedServiceDto[];

  @IsDefined()
  @NestedArray(() => FailedServiceDto)
  failed_services!: FailedServiceDto[];
}

/** Value of `rollout` in a PUT /api/service/<id> answer. */
export const SERVICE_ROLLOUT_NOT_APPLIED = 'not_applied';

/** Answer to PUT /api/service/<id>: the stored spec changed; running instances did not. */
export class ServiceUpdateResultDto {
  @IsDefined()
  @IsString()
  message!: string;

  /** Always `not_applied` for now: rolling updates come later. */
  @IsDefined()
  @Equals(SERVICE_ROLLOUT_NOT_APPLIED)
  rollout!: typeof SERVICE_ROLLOUT_NOT_APPLIED;

  @IsDefined()
  @NestedObject(() => ServiceDto)
  service!: ServiceDto;
}

/** Answer to POST /api/service/<id>/instance: Oakestra's `{"message": "ok"}` plus the number. */
export class InstanceRequestedDto {
  @IsDefined()
  @IsString()
  message!: string;

  @IsDefined()
  @IsInt()
  @Min(0)
  instance_number!: number;
}

/** Oakestra's plain acknowledgement, e.g. `{"message": "Application Deleted"}`. */
export class MessageDto {
  @IsDefined()
  @IsString()
  message!: string;
}

/** Every error the root API answers with. */
export class ApiErrorDetailDto {
  /** Field path relative to the body, e.g. `applications[0].microservices[0].memory`. */
  @IsDefined()
  @IsString()
  path!: string;

  @IsDefined()
  @IsString()
  message!: string;
}

export class ApiErrorDto {
  @IsDefined()
  @IsInt()
  statusCode!: number;

  /** The HTTP reason phrase, e.g. `Unprocessable Entity`. */
  @IsDefined()
  @IsString()
  error!: string;

  @IsDefined()
  @IsString()
  message!: string;

  @OptionalField()
  @NestedArray(() => ApiErrorDetailDto)
  details?: ApiErrorDetailDto[];
}
