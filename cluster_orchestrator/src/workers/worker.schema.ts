import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** Amounts in placement units: cores, MB, GPUs. */
export interface ResourceTriple {
  vcpus: number;
  memory: number;
  vgpus: number;
}

/**
 * Collection `workers`: one document per worker that joined this cluster (Oakestra's cluster
 * `nodes`). `_id` is the worker id (the `<id>` of its MQTT topics); `host` is unique, so a worker
 * that lost its state and registers again under the same hostname keeps its id.
 *
 * Capacity accounting (the scheduler's atomic reservation):
 *   INVARIANT free = capacity − Σ reservations of the instances placed on the worker.
 * `free` only ever changes by `$inc` in a single conditional update (reserve: only if every
 * `free.<r>` ≥ the request; release: unconditional), and a capacity change moves `free` by the
 * same delta under a compare-and-set on `rev`. FerretDB v1 has no `$expr`, hence the stored
 * `free` instead of comparing capacity − reserved at query time.
 */
@Schema({ collection: 'workers', versionKey: false, minimize: false })
export class WorkerRecord {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ type: String, required: true })
  host!: string;

  @Prop({ type: String, default: '' })
  ip!: string;

  @Prop({ type: String, default: '' })
  port!: string;

  /** GOARCH (`amd64`). */
  @Prop({ type: String, default: '' })
  architecture!: string;

  /** The latest facts the worker sent (registration or `information`), as received. */
  @Prop({ type: Object, default: {} })
  facts!: Record<string, unknown>;

  @Prop({ type: [String], default: [] })
  virtualization!: string[];

  @Prop({ type: Object, default: {} })
  labels!: Record<string, string>;

  @Prop({ type: Object, required: true })
  capacity!: ResourceTriple;

  @Prop({ type: Object, required: true })
  free!: ResourceTriple;

  /** Bumped by every write to capacity/free (compare-and-set for capacity changes). */
  @Prop({ type: Number, default: 0 })
  rev!: number;

  /** Retained `nodes/<id>/status` (`online`/`offline`); `offline` also arrives as last will. */
  @Prop({ type: String, default: 'online' })
  link_status!: string;

  /** Last `information` (or registration). */
  @Prop({ type: Date, required: true })
  last_seen!: Date;

  @Prop({ type: Date, required: true })
  registered_at!: Date;

  /** Name of the broker client provisioned for this worker. */
  @Prop({ type: String, default: '' })
  mqtt_username!: string;

  /**
   * Tunnel facts (issue 6), set from a registration or `information` only when it carries them,
   * so a message without them never erases them. Absent until the worker sends them.
   */
  @Prop({ type: String })
  wg_public_key?: string;

  /** UDP port of the worker's tunnel; absent = DEFAULT_TUNNEL_PORT. */
  @Prop({ type: Number })
  tunnel_port?: number;
}

export const WorkerSchema = SchemaFactory.createForClass(WorkerRecord);
WorkerSchema.index({ host: 1 }, { unique: true });
