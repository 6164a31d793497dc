import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * Collection `net_worker_interests`: which worker needs which service's table from outside the
 * cluster (Oakestra's `interested` list per job). `_id` is `<worker_id>/<job_name>` so recording
 * an interest is one idempotent upsert; `updated_at` is refreshed by every query of that worker
 * for that job, and interests not refreshed within the TTL expire. Persisted so a restarted
 * cluster registers them with the root again.
 */
@Schema({ collection: 'net_worker_interests', versionKey: false })
export class NetWorkerInterestRecord {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: String, required: true, index: true })
  worker_id!: string;

  @Prop({ type: String, required: true, index: true })
  job_name!: string;

  @Prop({ type: Date, required: true })
  updated_at!: Date;
}

export const NetWorkerInterestSchema = SchemaFactory.createForClass(NetWorkerInterestRecord);
