import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { Types } from 'mongoose';

/**
 * Collection `users` (Oakestra: `users.user`). Password hashes are bcrypt; password-reset
 * documents are not stored here (Oakestra mixes them in; Canopy's reset flow is not built yet).
 */
@Schema({ collection: 'users', versionKey: false })
export class UserRecord {
  @Prop({ type: String, required: true, unique: true })
  name!: string;

  @Prop({ type: String, default: '' })
  email!: string;

  @Prop({ type: String, required: true })
  password!: string;

  @Prop({ type: String, required: true })
  created_at!: string;

  @Prop({ type: Number, default: 0 })
  tokens_valid_after!: number;
}

export type UserDocument = UserRecord & { _id: Types.ObjectId };
export const UserSchema = SchemaFactory.createForClass(UserRecord);
