import { IsArray, IsDefined, IsIn, IsString } from 'class-validator';
import { NestedArray, OptionalField } from '../validation/validators';
import { SlaApplicationDto } from './sla-application.dto';

/** The only accepted descriptor version (Oakestra answers v1.0 with "Deprecated"). */
export const SLA_VERSION = 'v2.0';

/** SLA v2.0 deployment descriptor: the body of POST /api/application/ and POST /api/service/. */
export class SlaDto {
  @IsDefined()
  @IsIn([SLA_VERSION])
  sla_version!: typeof SLA_VERSION;

  @IsDefined()
  @IsString()
  customerID!: string;

  @IsDefined()
  @NestedArray(() => SlaApplicationDto)
  applications!: SlaApplicationDto[];

  /** Parsed, unused. */
  @OptionalField()
  @IsArray()
  @IsString({ each: true })
  args?: string[];
}
