import { IsDefined, IsNotEmpty, IsString } from 'class-validator';
import { NodeFactsDto } from '../mqtt/payloads/node-info.dto';
import { OptionalField } from '../validation/validators';

/** Body of POST /api/node/register: the node facts, of which the hostname is mandatory. */
export class NodeRegistrationDto extends NodeFactsDto {
  /** Hostname; the cluster keys workers by it, so re-registration keeps the worker id. */
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  host!: string;

  /** Canopy: cluster join token (Oakestra ignores tokens). */
  @OptionalField()
  @IsString()
  join_token?: string;
}

/** Answer to POST /api/node/register. */
export class NodeRegistrationResponseDto {
  /** Worker id: the `<id>` of its MQTT topics. */
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  id!: string;

  /** MQTT broker port as text (Oakestra's spelling and type). */
  @IsDefined()
  @IsString()
  MQTT_BROKER_PORT!: string;

  /** Canopy: per-worker MQTT credentials; the broker ACL limits them to `nodes/<id>/...`. */
  @OptionalField()
  @IsString()
  mqtt_username?: string;

  @OptionalField()
  @IsString()
  mqtt_password?: string;

  /**
   * Canopy: the worker's subnet (CIDR, e.g. `10.18.0.64/26`), kept across re-registrations; its
   * bridge takes the first address, its instances' namespace IPs the rest.
   */
  @OptionalField()
  @IsString()
  subnetwork?: string;
}
