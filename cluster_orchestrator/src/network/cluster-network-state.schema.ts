import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * Collection `cluster_network_state`: one document (`_id: "self"`) with the worker subnet pool the
 * root assigned this cluster (when WORKER_SUBNET_POOL is not set). Kept so the cluster's workers
 * keep their subnets across restarts, also while the root is unreachable.
 */
@Schema({ collection: 'cluster_network_state', versionKey: false })
export class ClusterNetworkStateRecord {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: String, required: true })
  worker_subnet_pool!: string;
}

export const ClusterNetworkStateSchema = SchemaFactory.createForClass(ClusterNetworkStateRecord);
