import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { Types } from 'mongoose';

@Schema({ _id: false, versionKey: false })
export class MemberRecord {
  @Prop({ type: String, required: true })
  user_id!: string;

  @Prop({ type: [String], default: [] })
  roles!: string[];
}

/**
 * Collection `organizations` (Oakestra: `users.organization` `{name, member:[{user_id, roles}]}`).
 * `revision` is Canopy's compare-and-set counter: FerretDB v1 has no positional or conditional
 * array updates, so the member list is rewritten whole, guarded by it. Never shown to clients.
 */
@Schema({ collection: 'organizations', versionKey: false })
export class OrganizationRecord {
  @Prop({ type: String, required: true, unique: true })
  name!: string;

  @Prop({ type: [SchemaFactory.createForClass(MemberRecord)], default: [] })
  member!: MemberRecord[];

  @Prop({ type: Number, default: 0 })
  revision!: number;
}

export type OrganizationDocument = OrganizationRecord & { _id: Types.ObjectId };
export const OrganizationSchema = SchemaFactory.createForClass(OrganizationRecord);
