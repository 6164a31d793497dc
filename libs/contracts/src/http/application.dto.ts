import { IsArray, IsDefined, IsString, Matches, MaxLength } from 'class-validator';
import { SLA_NAME_PATTERN } from '../sla/microservice-spec.dto';
import { NestedObject, OptionalField } from '../validation/validators';
import { ObjectIdDto } from './organization.dto';

/**
 * Body of PUT /api/application/<id> (Oakestra's fields). Renaming changes the job names of the
 * application's services and is refused while any of them has instances. `microservices` is
 * accepted because clients send the application back as they got it, but it cannot change the
 * list: services are added with POST /api/service/ and removed with DELETE /api/service/<id>.
 */
export class UpdateApplicationDto {
  @OptionalField()
  @IsString()
  @Matches(SLA_NAME_PATTERN)
  application_name?: string;

  @OptionalField()
  @IsString()
  @Matches(SLA_NAME_PATTERN)
  application_namespace?: string;

  @OptionalField()
  @IsString()
  @MaxLength(1024)
  application_desc?: string;

  @OptionalField()
  @IsArray()
  @IsString({ each: true })
  microservices?: string[];
}

/**
 * An application as the API shows it, Oakestra's shape: `_id` as `{"$oid"}`, `applicationID` the
 * same id as plain hex, `userId` the owner's user name, `microservices` the service ids.
 */
export class ApplicationDto {
  @IsDefined()
  @NestedObject(() => ObjectIdDto)
  _id!: ObjectIdDto;

  @IsDefined()
  @IsString()
  applicationID!: string;

  @IsDefined()
  @IsString()
  application_name!: string;

  @IsDefined()
  @IsString()
  application_namespace!: string;

  @IsDefined()
  @IsString()
  application_desc!: string;

  @IsDefined()
  @IsString()
  userId!: string;

  @IsDefined()
  @IsArray()
  @IsString({ each: true })
  microservices!: string[];
}
