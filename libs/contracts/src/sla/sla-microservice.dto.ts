import { IsString, MaxLength } from 'class-validator';
import { OptionalField } from '../validation/validators';
import { MicroserviceSpecDto } from './microservice-spec.dto';

/** A microservice entry of an SLA descriptor. */
export class SlaMicroserviceDto extends MicroserviceSpecDto {
  /** Must be empty: the root assigns service ids. */
  @OptionalField()
  @IsString()
  @MaxLength(0)
  microserviceID?: string;
}
