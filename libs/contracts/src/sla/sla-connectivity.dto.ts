import { IsDefined, IsNumber, IsString } from 'class-validator';
import { IsNonNegativeInt, NestedArray } from '../validation/validators';

/** Parsed, unused by Oakestra; all four fields are required by its schema. */
export class SlaConnectivityConstraintDto {
  @IsDefined()
  @IsString()
  type!: string;

  @IsDefined()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  threshold!: number;

  @IsDefined()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  rigidness!: number;

  @IsDefined()
  @IsNonNegativeInt()
  convergence_time!: number;
}

/** Parsed, unused by Oakestra. */
export class SlaConnectivityDto {
  @IsDefined()
  @IsString()
  target_microservice_id!: string;

  @IsDefined()
  @NestedArray(() => SlaConnectivityConstraintDto)
  con_constraints!: SlaConnectivityConstraintDto[];
}
