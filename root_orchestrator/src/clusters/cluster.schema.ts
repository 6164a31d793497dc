import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { type Types } from 'mongoose';

/**
 * Collection `clusters` (Oakestra: the root resource abstractor's `candidates` with
 * `candidate_name`; reference §1.4, §4.1, §4.3). One document per registered cluster; its `_id`
 * is the cluster id the cluster persists. `cluster_name` is unique: `direct` constraints name
 * clusters. Only a hash of the cluster secret is stored.
 *
 * Aggregates are stored as the cluster reported them (field names of the proto's
 * ResourceAggregate); the REST view maps them to Oakestra's names.
 */
@Schema({ collection: 'clusters', versionKey: false, minimize: false })
export class ClusterRecord {
  @Prop({ type: String, required: true, unique: true })
  cluster_name!: string;

  /** `lat,long,radius`, '' when the cluster has none. */
  @Prop({ type: String, default: '' })
  cluster_location!: string;

  /** Address the cluster registered from (gRPC peer, 4-in-6 unwrapped) or advertised. */
  @Prop({ type: String, default: '' })
  ip!: string;

  /** CS2Message.manager_port: the cluster manager's HTTP port. */
  @Prop({ type: Number, default: 0 })
  port!: number;

  @Prop({ type: Number, default: 0 })
  network_component_port!: number;

  @Prop({ type: Object, default: {} })
  cluster_info!: Record<string, string>;

  /** sha256 (hex) of the cluster secret. */
  @Prop({ type: String, required: true })
  secret_hash!: string;

  /** The join token it registered with. */
  @Prop({ type: String, default: '' })
  join_token_id!: string;

  @Prop({ type: Date, required: true })
  registered_at!: Date;

  @Prop({ type: Date, required: true })
  updated_at!: Date;

  /** Session state as last written by a root process (see ClusterLiveness for what counts). */
  @Prop({ type: Boolean, default: false })
  connected!: boolean;

  @Prop({ type: String, default: null })
  session_id!: string | null;

  @Prop({ type: Date, default: null })
  connected_at!: Date | null;

  @Prop({ type: Date, default: null })
  disconnected_at!: Date | null;

  @Prop({ type: Date, default: null })
  last_report_at!: Date | null;

  /** The report period the cluster announced in its Hello (ms). */
  @Prop({ type: Number, default: 0 })
  report_interval_ms!: number;

  @Prop({ type: Object, default: null })
  aggregate!: Record<string, unknown> | null;

  @Prop({ type: Object, default: {} })
  aggregation_per_architecture!: Record<string, Record<string, unknown>>;

  /** `<serviceId>/<n>` of the instances in the last report (pending-capacity accounting). */
  @Prop({ type: [String], default: [] })
  reported_instances!: string[];

  /** Hello.worker_subnet_pool: the CIDR its workers' subnets come from ('' = not announced). */
  @Prop({ type: String, default: '' })
  worker_subnet_pool!: string;

  /**
   * The tunnel facts of its active workers from its last report (validated; `cluster_id` empty),
   * handed to the other clusters as RemotePeers.
   */
  @Prop({ type: [Object], default: [] })
  tunnel_peers!: Record<string, unknown>[];

  /**
   * Why the cluster is kept out of the hierarchy's network (overlapping or malformed worker
   * subnet pool), for the operator; null when it takes part.
   */
  @Prop({ type: String, default: null })
  network_problem!: string | null;

  /** Liveness as last judged by the monitor (for queries and transitions). */
  @Prop({ type: Boolean, default: false })
  active!: boolean;

  @Prop({ type: Date, default: null })
  inactive_since!: Date | null;
}

export type ClusterDocument = ClusterRecord & { _id: Types.ObjectId };
export const ClusterSchema = SchemaFactory.createForClass(ClusterRecord);
