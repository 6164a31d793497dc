import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** The id of the one signing key document (rotation would add others). */
export const SIGNING_KEY_ID = 'rs256-signing';

/**
 * Collection `jwt_keys`: the RS256 key pair generated at first boot when JWT_PRIVATE_KEY /
 * JWT_PUBLIC_KEY are not set, so tokens stay valid across restarts and across root replicas.
 * Whoever can read this collection can mint tokens; they could also rewrite password hashes, so
 * the database is the trust boundary either way. Production may supply the keys instead.
 */
@Schema({ collection: 'jwt_keys', versionKey: false })
export class JwtKeyRecord {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: String, required: true })
  algorithm!: string;

  @Prop({ type: String, required: true })
  private_key!: string;

  @Prop({ type: String, required: true })
  public_key!: string;

  @Prop({ type: String, required: true })
  created_at!: string;
}

export const JwtKeySchema = SchemaFactory.createForClass(JwtKeyRecord);
