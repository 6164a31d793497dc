import { IsArray, IsDefined, IsIn, IsString, Matches } from 'class-validator';
import { NestedArray, NestedObject, OptionalField } from '../validation/validators';
import { OBJECT_ID_PATTERN, ORGANIZATION_NAME_PATTERN } from './http-validators';
import { USER_ROLES, type UserRole } from './user-roles';

/** Oakestra/BSON extended-JSON rendering of an ObjectId: `{"$oid": "<24 hex>"}`. */
export class ObjectIdDto {
  @IsDefined()
  @IsString()
  @Matches(OBJECT_ID_PATTERN)
  $oid!: string;
}

/** One membership: a user and their roles in the organization. */
export class OrganizationMemberDto {
  @IsDefined()
  @IsString()
  @Matches(OBJECT_ID_PATTERN, { message: 'user_id must be a user id (24 hex digits)' })
  user_id!: string;

  @IsDefined()
  @IsArray()
  @IsIn(USER_ROLES, { each: true })
  roles!: UserRole[];
}

/** Body of POST /api/organization/. */
export class CreateOrganizationDto {
  @IsDefined()
  @IsString()
  @Matches(ORGANIZATION_NAME_PATTERN)
  name!: string;

  @OptionalField()
  @NestedArray(() => OrganizationMemberDto)
  member?: OrganizationMemberDto[];
}

/** Body of PUT /api/organization/<id>: `member`, when given, replaces the whole list. */
export class UpdateOrganizationDto {
  @OptionalField()
  @IsString()
  @Matches(ORGANIZATION_NAME_PATTERN)
  name?: string;

  @OptionalField()
  @NestedArray(() => OrganizationMemberDto)
  member?: OrganizationMemberDto[];
}

/** An organization as the API shows it (`_id` as `{"$oid"}`, as Oakestra's json_util does). */
export class OrganizationDto {
  @IsDefined()
  @NestedObject(() => ObjectIdDto)
  _id!: ObjectIdDto;

  @IsDefined()
  @IsString()
  name!: string;

  @IsDefined()
  @NestedArray(() => OrganizationMemberDto)
  member!: OrganizationMemberDto[];
}
