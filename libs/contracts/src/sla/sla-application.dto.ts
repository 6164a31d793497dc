import { IsDefined, IsString, Matches } from 'class-validator';
import { NestedArray, OptionalField } from '../validation/validators';
import { SLA_NAME_PATTERN } from './microservice-spec.dto';
import { SlaMicroserviceDto } from './sla-microservice.dto';

export class SlaApplicationDto {
  /** Empty or absent for a new application; the existing id when adding services to one. */
  @OptionalField()
  @IsString()
  applicationID?: string;

  @IsDefined()
  @IsString()
  @Matches(SLA_NAME_PATTERN)
  application_name!: string;

  @IsDefined()
  @IsString()
  @Matches(SLA_NAME_PATTERN)
  application_namespace!: string;

  @OptionalField()
  @IsString()
  application_desc?: string;

  /** May be empty: services can be added later (POST /api/service/). */
  @IsDefined()
  @NestedArray(() => SlaMicroserviceDto)
  microservices!: SlaMicroserviceDto[];
}
