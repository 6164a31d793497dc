import { IsDefined, IsInt, IsNumber, IsString, Matches, Max, Min } from 'class-validator';
import { NodeRegistrationDto } from '../../http/node-registration.dto';
import {
  IsNonNegativeInt,
  IsStringRecord,
  NestedArray,
  NestedObject,
  NullAsAbsent,
  NullAsEmptyArray,
  OptionalField,
} from '../../validation/validators';
import { JobStatusDto } from './job-status.dto';
import { ServiceResourcesDto } from './job-resources.dto';
import { WIREGUARD_KEY_PATTERN } from './net.dto';
import { NodeInfoDto } from './node-info.dto';

/**
 * Canopy's additive fields on the worker -> cluster messages (node engine issue). Every field is
 * optional, so an Oakestra worker's messages still validate, and an Oakestra cluster ignores them
 * (it strips unknown fields). A Canopy cluster validates with these classes to read them.
 */

/** Where a worker stands, for geo placement (degrees). */
export class NodeLocationDto {
  @IsDefined()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-90)
  @Max(90)
  lat!: number;

  @IsDefined()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-180)
  @Max(180)
  long!: number;
}

// The constructor signature is the one TypeScript requires of a mixin base.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Constructor = abstract new (...args: any[]) => object;

/**
 * Canopy's node facts, declared once for both the registration body and the `information` report
 * (class-validator and class-transformer read decorators along the prototype chain).
 */
function withCanopyNodeFacts<TBase extends Constructor>(Base: TBase) {
  abstract class CanopyNodeFacts extends Base {
    /** Operator labels of the worker (`zone: hall-2`); the cluster scheduler's label filter. */
    @NullAsAbsent()
    @OptionalField()
    @IsStringRecord()
    labels?: Record<string, string>;

    @OptionalField()
    @NestedObject(() => NodeLocationDto)
    location?: NodeLocationDto;

    /**
     * What the worker offers to workloads: cores and MB the cluster may reserve in total
     * (operator cap, or the machine minus a system reserve). The cluster's atomic reservations
     * count against these; `vcpus`/`memory` stay Oakestra's live facts (cores, AVAILABLE MB).
     */
    @OptionalField()
    @IsNonNegativeInt()
    allocatable_vcpus?: number;

    /** MB; see allocatable_vcpus. */
    @OptionalField()
    @IsNonNegativeInt()
    allocatable_memory?: number;

    /** Canopy: the worker's WireGuard public key (its private key never leaves the worker). */
    @OptionalField()
    @IsString()
    @Matches(WIREGUARD_KEY_PATTERN, { message: 'wg_public_key must be a base64 WireGuard key' })
    wg_public_key?: string;

    /** Canopy: UDP port of the worker's tunnel (default 50103). */
    @OptionalField()
    @IsInt()
    @Min(1)
    @Max(65535)
    tunnel_port?: number;
  }
  return CanopyNodeFacts;
}

/** POST /api/node/register body with Canopy's labels and location (scheduler label/geo filters). */
export class CanopyNodeRegistrationDto extends withCanopyNodeFacts(NodeRegistrationDto) {}

/** `nodes/<id>/information` with Canopy's labels and location (they may change at runtime). */
export class CanopyNodeInfoDto extends withCanopyNodeFacts(NodeInfoDto) {}

/** `nodes/<id>/job` with the desired-state generation it refers to and the restart count. */
export class CanopyJobStatusDto extends JobStatusDto {
  /** Generation of the deploy this status belongs to (absent for an Oakestra cluster's deploys). */
  @OptionalField()
  @IsNonNegativeInt()
  generation?: number;

  /** How often the worker restarted this long-running instance after it exited. */
  @OptionalField()
  @IsNonNegativeInt()
  restart_count?: number;

  /** Exit code of the instance's last run, when it has exited. */
  @OptionalField()
  @IsInt()
  exit_code?: number;
}

/** One instance in `nodes/<id>/jobs/resources`, with generation and restart count. */
export class CanopyServiceResourcesDto extends ServiceResourcesDto {
  @OptionalField()
  @IsNonNegativeInt()
  generation?: number;

  @OptionalField()
  @IsNonNegativeInt()
  restart_count?: number;
}

/** `nodes/<id>/jobs/resources` whose entries carry the Canopy fields. */
export class CanopyJobsResourcesDto {
  @NullAsEmptyArray()
  @IsDefined()
  @NestedArray(() => CanopyServiceResourcesDto)
  services!: CanopyServiceResourcesDto[];
}
