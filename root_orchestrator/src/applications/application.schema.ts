import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { Types } from 'mongoose';

/**
 * Collection `applications` (Oakestra: `jobs.apps`). The unique index makes "same name and
 * namespace for the same user" a 409 even when two requests race.
 */
@Schema({ collection: 'applications', versionKey: false })
export class ApplicationRecord {
  @Prop({ type: String, required: true })
  application_name!: string;

  @Prop({ type: String, required: true })
  application_namespace!: string;

  @Prop({ type: String, default: '' })
  application_desc!: string;

  @Prop({ type: String, required: true })
  userId!: string;

  @Prop({ type: [String], default: [] })
  microservices!: string[];

  @Prop({ type: String, required: true })
  created_at!: string;
}

export type ApplicationDocument = ApplicationRecord & { _id: Types.ObjectId };
export const ApplicationSchema = SchemaFactory.createForClass(ApplicationRecord);
ApplicationSchema.index(
  { userId: 1, application_name: 1, application_namespace: 1 },
  { unique: true },
);
