import { IsArray, IsNumber, IsString, Min } from 'class-validator';
import {
  IsNonNegativeInt,
  IsStringRecord,
  NullAsAbsent,
  OptionalField,
} from '../../validation/validators';

/** Finite, non-negative measurement (percentages, temperatures, MB as float). */
function IsMeasurement(): (target: object, propertyName: string) => void {
  return (target, propertyName) => {
    IsNumber({ allowNaN: false, allowInfinity: false })(target, propertyName);
    Min(0)(target, propertyName);
  };
}

/**
 * Node facts (reference §5.1 field names) except `host`. Go nil maps/slices (`null`) read as
 * absent. `host` is not here because its presence differs between the handshake
 * (required) and the periodic report (optional); see NodeInfoDto and
 * NodeRegistrationDto. (A subclass cannot make an inherited optional field required:
 * class-validator's conditional validation would still skip it.)
 */
export abstract class NodeFactsDto {
  @OptionalField()
  @IsString()
  id?: string;

  @OptionalField()
  @IsString()
  ip?: string;

  /** Worker's local API port as text (Oakestra default "3000"). */
  @OptionalField()
  @IsString()
  port?: string;

  /** kernel_version, architecture, os_version, uptime, full_stats. */
  @NullAsAbsent()
  @OptionalField()
  @IsStringRecord()
  system_info?: Record<string, string>;

  @OptionalField()
  @IsMeasurement()
  cpu_percent?: number;

  /** CPU cores. */
  @OptionalField()
  @IsNonNegativeInt()
  vcpus?: number;

  /** Go GOARCH: amd64, arm64, ... */
  @OptionalField()
  @IsString()
  architecture?: string;

  @OptionalField()
  @IsMeasurement()
  memory_percent?: number;

  /** AVAILABLE memory, MB. */
  @OptionalField()
  @IsNonNegativeInt()
  memory?: number;

  @NullAsAbsent()
  @OptionalField()
  @IsStringRecord()
  disk_info?: Record<string, string>;

  @NullAsAbsent()
  @OptionalField()
  @IsStringRecord()
  network_info?: Record<string, string>;

  @OptionalField()
  @IsString()
  gpu_driver?: string;

  @OptionalField()
  @IsMeasurement()
  gpu_usage?: number;

  @OptionalField()
  @IsNonNegativeInt()
  vgpus?: number;

  @OptionalField()
  @IsMeasurement()
  gpu_temp?: number;

  @OptionalField()
  @IsMeasurement()
  vram_percent?: number;

  /** GPU memory, MB. */
  @OptionalField()
  @IsMeasurement()
  vram?: number;

  /** Runtimes this worker runs (`docker`, `unikernel`, `runsc`, ...). */
  @NullAsAbsent()
  @OptionalField()
  @IsArray()
  @IsString({ each: true })
  virtualization?: string[];

  @NullAsAbsent()
  @OptionalField()
  @IsArray()
  @IsString({ each: true })
  supported_addons?: string[];

  @NullAsAbsent()
  @OptionalField()
  @IsArray()
  @IsString({ each: true })
  csi_drivers?: string[];
}

/**
 * `nodes/<id>/information`: the dynamic subset of the node facts every 2 s, so every field is
 * optional here.
 */
export class NodeInfoDto extends NodeFactsDto {
  /** Hostname: the worker's identity in Oakestra (re-registration keeps the id). */
  @OptionalField()
  @IsString()
  host?: string;
}
