import { IsDefined, IsIn, IsNotEmpty, IsString } from 'class-validator';
import { DEPLOYMENT_STATUSES, type DeploymentStatus } from '../../status/instance-status.enum';
import { IsNonNegativeInt, OptionalField } from '../../validation/validators';

/** `nodes/<id>/job`: one instance changed state on the worker. */
export class JobStatusDto {
  /** Job name of the service. */
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  sname!: string;

  @IsDefined()
  @IsIn(DEPLOYMENT_STATUSES)
  status!: DeploymentStatus;

  @OptionalField()
  @IsString()
  status_detail?: string;

  /** Instance number. */
  @IsDefined()
  @IsNonNegativeInt()
  instance!: number;

  @OptionalField()
  @IsString()
  publicip?: string;
}
