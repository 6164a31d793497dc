import { IsIP, IsString } from 'class-validator';
import { NestedArray, OptionalField } from '../validation/validators';

/** Parsed, unused by Oakestra. */
export class SlaAddressInstancesDto {
  @OptionalField()
  @IsString()
  from?: string;

  @OptionalField()
  @IsString()
  to?: string;

  @OptionalField()
  @IsString()
  start?: string;
}

/**
 * Requested semantic addresses. Only syntax is checked here; that `rr_ip` lies in the service
 * pool (default 10.30.0.0/16) and is unused is checked by the root's allocator, since the pool
 * is configurable and usage is state.
 */
export class SlaAddressesDto {
  @OptionalField()
  @IsIP(4)
  rr_ip?: string;

  @OptionalField()
  @IsIP(6)
  rr_ip_v6?: string;

  @OptionalField()
  @IsIP(4)
  closest_ip?: string;

  @OptionalField()
  @IsIP(6)
  closest_ip_v6?: string;

  @OptionalField()
  @NestedArray(() => SlaAddressInstancesDto)
  instances?: SlaAddressInstancesDto[];
}
