import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { type Types } from 'mongoose';

/**
 * Collection `network_addresses`: one document per claimed semantic address (ServiceIP or
 * InstanceIP). Claiming = inserting; the UNIQUE index on (family, address) is what guarantees an
 * address is never handed out twice while claimed, across concurrent requests and processes
 * (FerretDB v1 has no transactions: an insert that fails with a duplicate key is the only atomic
 * "test and set" there is). Releasing = deleting.
 *
 * The index is on (family, address), not (pool, address): pools may overlap (service and
 * instance pools share 10.30.0.0/16 by default) and may be reconfigured (a /16 widened to a /15
 * between restarts); keyed by pool, the same address could then be claimed once per pool.
 */
@Schema({ collection: 'network_addresses', versionKey: false })
export class NetworkAddressRecord {
  /** 4 or 6. */
  @Prop({ type: Number, required: true })
  family!: number;

  /** Canonical text (dotted quad / RFC 5952), so two spellings cannot both be claimed. */
  @Prop({ type: String, required: true })
  address!: string;

  /** CIDR of the pool it was claimed from (informational; the cursor is per pool). */
  @Prop({ type: String, required: true })
  pool!: string;

  /** `service` (a ServiceIP) or `instance` (an InstanceIP). */
  @Prop({ type: String, required: true })
  kind!: string;

  /** For service addresses: Oakestra's IpType, `RR` or `closest`. */
  @Prop({ type: String })
  ip_type?: string;

  @Prop({ type: String, required: true, index: true })
  service_id!: string;

  /** For instance addresses, once the instance record holds the address (see InstancesService). */
  @Prop({ type: Number })
  instance_number?: number;

  @Prop({ type: Date, required: true })
  claimed_at!: Date;
}

export type NetworkAddressDocument = NetworkAddressRecord & { _id: Types.ObjectId };
export const NetworkAddressSchema = SchemaFactory.createForClass(NetworkAddressRecord);
NetworkAddressSchema.index({ family: 1, address: 1 }, { unique: true });

/**
 * Collection `network_pool_cursors`: per pool, the address handed out last, so allocation resumes
 * after it (also across restarts) instead of rescanning from the start, and released addresses
 * come back only after the pool has wrapped around (worker tables may still map them for a while).
 * A hint, written best-effort: a stale cursor costs a few lookups, never a duplicate.
 */
@Schema({ collection: 'network_pool_cursors', versionKey: false })
export class PoolCursorRecord {
  /** The pool's canonical CIDR. */
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: String, required: true })
  last!: string;

  @Prop({ type: Date, required: true })
  updated_at!: Date;
}

export const PoolCursorSchema = SchemaFactory.createForClass(PoolCursorRecord);
