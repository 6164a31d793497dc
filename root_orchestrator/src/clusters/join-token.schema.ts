import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { type Types } from 'mongoose';

/**
 * Collection `cluster_join_tokens`: tokens that let a NEW cluster register. Only a sha256 of the
 * token is stored (the token is random, 256 bits: a slow hash adds nothing), so a database leak
 * does not let anyone join. Revoked tokens stay listed (with `revoked_at`) for the audit trail.
 */
@Schema({ collection: 'cluster_join_tokens', versionKey: false, minimize: false })
export class JoinTokenRecord {
  @Prop({ type: String, required: true, unique: true })
  token_hash!: string;

  @Prop({ type: String, default: '' })
  description!: string;

  /** null = unlimited (the bootstrap token). */
  @Prop({ type: Number, default: null })
  max_uses!: number | null;

  /** Counts down with each registration (conditional update: never below 0); null = unlimited. */
  @Prop({ type: Number, default: null })
  remaining_uses!: number | null;

  @Prop({ type: Number, default: 0 })
  uses!: number;

  @Prop({ type: Date, required: true })
  created_at!: Date;

  /** Username of the Admin who issued it, or `ROOT_BOOTSTRAP_CLUSTER_TOKEN`. */
  @Prop({ type: String, default: '' })
  created_by!: string;

  @Prop({ type: Date, default: null })
  expires_at!: Date | null;

  @Prop({ type: Date, default: null })
  revoked_at!: Date | null;

  /** Ids of the clusters that registered with it. */
  @Prop({ type: [String], default: [] })
  clusters!: string[];
}

export type JoinTokenDocument = JoinTokenRecord & { _id: Types.ObjectId };
export const JoinTokenSchema = SchemaFactory.createForClass(JoinTokenRecord);
