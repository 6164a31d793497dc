import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * Collection `worker_subnets`: one document per claimed worker subnet. The unique indexes make a
 * subnet belong to at most one worker and a worker hold at most one subnet, whatever the
 * concurrency: claiming is an insert that fails with a duplicate key when taken.
 */
@Schema({ collection: 'worker_subnets', versionKey: false })
export class WorkerSubnetRecord {
  /** CIDR text, e.g. `10.18.0.64/26`. */
  @Prop({ type: String, required: true })
  subnet!: string;

  /** Index of the subnet in the pool (the allocation cursor). */
  @Prop({ type: Number, required: true })
  index!: number;

  @Prop({ type: String, required: true })
  worker_id!: string;

  @Prop({ type: Date, required: true })
  claimed_at!: Date;
}

export const WorkerSubnetSchema = SchemaFactory.createForClass(WorkerSubnetRecord);
WorkerSubnetSchema.index({ subnet: 1 }, { unique: true });
WorkerSubnetSchema.index({ worker_id: 1 }, { unique: true });
