import { IsDefined, IsNotEmpty, IsObject, IsString } from 'class-validator';
import { OptionalField } from '../validation/validators';

/** A CSI volume; the worker must advertise `csi_driver`. */
export class SlaVolumeDto {
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  volume_id!: string;

  /** CSI driver name, e.g. `csi.oakestra.io/hostpath`. */
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  csi_driver!: string;

  @OptionalField()
  @IsString()
  mount_path?: string;

  /** Driver-specific settings, passed through untouched (e.g. `host_path`). */
  @OptionalField()
  @IsObject()
  config?: Record<string, unknown>;
}
