import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { type Types } from 'mongoose';

/**
 * Collection `services` (Oakestra: `jobs.jobs`): the job document of §1.5 — every SLA
 * microservice field plus the derived ones. Only the fields the root queries or updates are
 * declared; the rest is stored as validated (strict: false, and minimize: false so an SLA's empty
 * objects such as `volumes[].config: {}` survive).
 *
 * `job_name` (`app.appns.svc.svcns`) is unique across ALL users: it is the service's network
 * identity (MQTT `jobs/<job_name>/...`, table queries), so two users' services must not share it.
 * `revision` guards whole-array rewrites of `instance_list`: FerretDB v1 has neither positional
 * (`$`) nor filtered (`arrayFilters`) updates, and `$pull` only removes exact matches.
 */
@Schema({ collection: 'services', versionKey: false, strict: false, minimize: false })
export class ServiceRecord {
  @Prop({ type: String, required: true, unique: true })
  job_name!: string;

  @Prop({ type: String, required: true, index: true })
  applicationID!: string;

  @Prop({ type: Number, default: 0 })
  next_instance_progressive_number!: number;

  @Prop({ type: Array, default: [] })
  instance_list!: Record<string, unknown>[];

  @Prop({ type: Number, default: 0 })
  revision!: number;
}

export type ServiceDocument = ServiceRecord & { _id: Types.ObjectId } & Record<string, unknown>;
export const ServiceSchema = SchemaFactory.createForClass(ServiceRecord);
