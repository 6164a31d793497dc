import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsNotEmpty,
  IsString,
  Matches,
} from 'class-validator';
import { IsEnvironmentList, IsPortMappingList } from '../../sla/sla.validators';
import { SlaVolumeDto } from '../../sla/sla-volume.dto';
import { VIRTUALIZATION_NAME_PATTERN } from '../../status/virtualization.enum';
import { IsNonNegativeInt, NestedArray, OptionalField } from '../../validation/validators';

/** Bound on `sibling_services`: an application larger than this prefetches only that many. */
export const MAX_SIBLING_SERVICES = 50;

/**
 * `nodes/<id>/control/deploy`: the cluster's job document plus `instance_number`. Declares the
 * fields Oakestra's node engine reads (its Service model); the rest of the job document is
 * stripped on parse, so parse with `forbidUnknown: false`.
 */
export class ControlDeployDto {
  /** Service id. */
  @OptionalField()
  @IsString()
  _id?: string;

  @IsDefined()
  @IsString()
  @IsNotEmpty()
  job_name!: string;

  @IsDefined()
  @IsNonNegativeInt()
  instance_number!: number;

  /** Image reference or unikernel URL. */
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  image!: string;

  @IsArray()
  @IsString({ each: true })
  cmd: string[] = [];

  @IsEnvironmentList()
  environment: string[] = [];

  @OptionalField()
  @IsPortMappingList()
  port?: string;

  @OptionalField()
  @IsString()
  status?: string;

  /** Stored spelling (`docker`, not `container`). */
  @IsDefined()
  @IsString()
  @Matches(VIRTUALIZATION_NAME_PATTERN)
  virtualization!: string;

  /** Image platform override, e.g. `linux/arm64`. */
  @OptionalField()
  @IsString()
  platform?: string;

  @OptionalField()
  @IsString()
  status_detail?: string;

  @IsNonNegativeInt()
  vtpus = 0;

  @IsNonNegativeInt()
  vgpus = 0;

  @IsNonNegativeInt()
  vcpus = 0;

  /** MB. */
  @IsNonNegativeInt()
  memory = 0;

  /** MB. */
  @IsNonNegativeInt()
  storage = 0;

  @OptionalField()
  @IsArray()
  @IsString({ each: true })
  vm_images?: string[];

  @OptionalField()
  @IsArray()
  @IsString({ each: true })
  arch?: string[];

  @OptionalField()
  @NestedArray(() => SlaVolumeDto)
  volumes?: SlaVolumeDto[];

  @IsBoolean()
  one_shot = false;

  @IsBoolean()
  privileged = false;

  /**
   * Canopy: desired-state generation of this instance. A worker ignores a deploy or delete
   * older than the generation it has already applied (messages may be redelivered or reordered).
   */
  @OptionalField()
  @IsNonNegativeInt()
  generation?: number;

  /**
   * Canopy: the instance's InstanceIP (allocated by the root); the worker's net manager gives it
   * to the instance next to its namespace IP. Absent when the root allocated none.
   */
  @OptionalField()
  @IsString()
  instance_ip?: string;

  /**
   * Canopy: job names of the other services of the same application (set by the root). A worker
   * with the data plane asks for their tables as the instance arrives, so calls between an
   * application's services find their addresses on the first packet, also across clusters.
   */
  @OptionalField()
  @IsArray()
  @ArrayMaxSize(MAX_SIBLING_SERVICES)
  @IsString({ each: true })
  sibling_services?: string[];
}

/** `nodes/<id>/control/delete`: remove one instance. */
export class ControlDeleteDto {
  /**
   * Canopy: service id of the instance to remove (as `_id` in the deploy). Job names are reused
   * when an app is deleted and created again; the service id tells the two lineages apart, so
   * a late delete of the old service never removes the new one (and vice versa).
   */
  @OptionalField()
  @IsString()
  _id?: string;

  @IsDefined()
  @IsString()
  @IsNotEmpty()
  job_name!: string;

  @OptionalField()
  @IsString()
  virtualization?: string;

  @IsDefined()
  @IsNonNegativeInt()
  instance_number!: number;

  /** Canopy: see ControlDeployDto.generation. */
  @OptionalField()
  @IsNonNegativeInt()
  generation?: number;
}

/** Text of the control/error the cluster sends to a worker it does not know (Oakestra's wording). */
export const NODE_NOT_REGISTERED_MESSAGE = 'Node not registered to the cluster';

/** `nodes/<id>/control/error`. */
export class ControlErrorDto {
  @IsDefined()
  @IsString()
  message!: string;
}
