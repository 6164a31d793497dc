import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** `_id` of the one identity document. */
export const IDENTITY_ID = 'self';

/**
 * Collection `cluster_identity`: the id and secret the root issued at registration. One
 * document. The secret is kept in clear because the cluster must present it; it is as sensitive
 * as the database itself (a kubelet keeps its client key the same way).
 */
@Schema({ collection: 'cluster_identity', versionKey: false })
export class ClusterIdentityRecord {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: String, required: true })
  cluster_id!: string;

  @Prop({ type: String, required: true })
  cluster_secret!: string;

  /** ROOT_URL at registration (informational: a cluster moved to another root must re-join). */
  @Prop({ type: String, required: true })
  root_url!: string;

  @Prop({ type: Date, required: true })
  registered_at!: Date;

  @Prop({ type: Date, required: true })
  updated_at!: Date;
}

export const ClusterIdentitySchema = SchemaFactory.createForClass(ClusterIdentityRecord);
