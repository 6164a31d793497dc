import { Expose, Transform } from 'class-transformer';
import { IsArray, IsBoolean, IsDefined, IsNotEmpty, IsString, Matches } from 'class-validator';
import { VIRTUALIZATION_NAME_PATTERN } from '../status/virtualization.enum';
import {
  IsNonNegativeInt,
  NestedArray,
  NestedObject,
  OptionalField,
} from '../validation/validators';
import { SlaAddressesDto } from './sla-addresses.dto';
import { SlaConnectivityDto } from './sla-connectivity.dto';
import { SlaConstraintDto } from './sla-constraint.dto';
import { SlaVolumeDto } from './sla-volume.dto';
import { IsEnvironmentList, IsPortMappingList } from './sla.validators';

/** Application and microservice names and namespaces (Oakestra `sla/schema.py`). */
export const SLA_NAME_PATTERN = /^[a-zA-Z0-9]{1,30}$/;

/**
 * Everything a microservice entry of an SLA describes, shared by the SLA itself
 * ({@link SlaMicroserviceDto}) and the stored service (job) document, which differ only in
 * `microserviceID` (empty in an SLA, the service id once stored) and derived fields.
 */
export abstract class MicroserviceSpecDto {
  @IsDefined()
  @IsString()
  @Matches(SLA_NAME_PATTERN)
  microservice_name!: string;

  @IsDefined()
  @IsString()
  @Matches(SLA_NAME_PATTERN)
  microservice_namespace!: string;

  /** `container` (stored as `docker`), `unikernel`, `crosvm`, `vm` or a containerd runtime name. */
  @IsDefined()
  @IsString()
  @Matches(VIRTUALIZATION_NAME_PATTERN)
  virtualization!: string;

  /** Image reference (container) or URL of a unikernel `.tar.gz`. */
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  code!: string;

  /** MB. Scheduled on. */
  @IsNonNegativeInt()
  memory = 0;

  /**
   * Cores. Scheduled on. Falls back to the legacy `vcpu` key, which Oakestra's documentation
   * examples use by mistake and Oakestra silently ignores: honouring it is what such SLAs mean.
   */
  @Expose()
  @Transform(({ value, obj }: { value: unknown; obj: Record<string, unknown> }) =>
    value !== undefined ? value : obj['vcpu'] !== undefined ? obj['vcpu'] : 0,
  )
  @IsNonNegativeInt()
  vcpus = 0;

  /** Legacy spelling of `vcpus` (see there). Kept so documented SLAs validate unchanged. */
  @OptionalField()
  @IsNonNegativeInt()
  vcpu?: number;

  @IsNonNegativeInt()
  vgpus = 0;

  @IsNonNegativeInt()
  vtpus = 0;

  /** MB. */
  @IsNonNegativeInt()
  storage = 0;

  /** kbit/s. */
  @IsNonNegativeInt()
  bandwidth_in = 0;

  /** kbit/s. */
  @IsNonNegativeInt()
  bandwidth_out = 0;

  /** `host[:container][/tcp|/udp]` entries joined by `;` (see parsePortMappings). */
  @OptionalField()
  @IsPortMappingList()
  port?: string;

  /** Replaces the container's process arguments (unikernel: kernel arguments). */
  @IsArray()
  @IsString({ each: true })
  cmd: string[] = [];

  /** `VAR=value` entries. */
  @IsEnvironmentList()
  environment: string[] = [];

  /** Exit code 0 ends in COMPLETED and is not restarted; any other exit ends in DEAD. */
  @IsBoolean()
  one_shot = false;

  @IsBoolean()
  privileged = false;

  /** Unikernel kernel architectures, e.g. `amd64`, `arm64`. */
  @OptionalField()
  @IsArray()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  arch?: string[];

  @OptionalField()
  @NestedArray(() => SlaVolumeDto)
  volumes?: SlaVolumeDto[];

  @OptionalField()
  @NestedObject(() => SlaAddressesDto)
  addresses?: SlaAddressesDto;

  @NestedArray(() => SlaConstraintDto)
  constraints: SlaConstraintDto[] = [];

  // --- Parsed but unused by Oakestra; accepted so existing SLAs validate. ---

  @OptionalField()
  @IsArray()
  @IsString({ each: true })
  args?: string[];

  @OptionalField()
  @IsArray()
  @IsString({ each: true })
  added_files?: string[];

  @OptionalField()
  @IsString()
  state?: string;

  @OptionalField()
  @NestedArray(() => SlaConnectivityDto)
  connectivity?: SlaConnectivityDto[];

  @OptionalField()
  @IsString()
  sla_violation_strategy?: string;

  @OptionalField()
  @IsString()
  target_node?: string;
}
