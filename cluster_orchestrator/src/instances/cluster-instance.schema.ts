import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

export interface InstanceReservation {
  worker_id: string;
  vcpus: number;
  memory: number;
  vgpus: number;
}

/**
 * Collection `instances`: the service instances the root placed on this cluster (Oakestra: the
 * cluster's `jobs.jobs` with its instance list). One document per instance, keyed by
 * (service_id, instance_number). `generation` is the root's desired-state generation of the
 * instance: commands older than what is stored are ignored.
 */
@Schema({ collection: 'instances', versionKey: false, minimize: false })
export class ClusterInstanceRecord {
  @Prop({ type: String, required: true })
  service_id!: string;

  @Prop({ type: Number, required: true })
  instance_number!: number;

  @Prop({ type: Number, required: true })
  generation!: number;

  @Prop({ type: String, required: true })
  job_name!: string;

  /** The root's job document (SLA microservice + derived fields), as sent in DeployInstance. */
  @Prop({ type: Object, required: true })
  job!: Record<string, unknown>;

  @Prop({ type: String, required: true })
  status!: string;

  @Prop({ type: String, default: '' })
  status_detail!: string;

  @Prop({ type: String, default: '' })
  worker_id!: string;

  /**
   * What this instance holds on `reservation.worker_id` (null when nothing). Set in the same
   * update that assigns the worker; cleared by an atomic take before it is given back, so each
   * reservation is released exactly once.
   */
  @Prop({ type: Object, default: null })
  reservation!: InstanceReservation | null;

  /** From the worker's reports. */
  @Prop({ type: String, default: '' })
  host_ip!: string;

  /**
   * The instance's namespace IP as its worker reported it (`net/service/deployed`), '' when none.
   * Valid only while `namespace_worker_id` equals `worker_id`: a record re-placed on another worker
   * keeps the old value until that worker reports, and the service table ignores it meanwhile
   * (one atomic update per report, no read-modify-write).
   */
  @Prop({ type: String, default: '' })
  namespace_ip!: string;

  /** The worker that reported `namespace_ip`. */
  @Prop({ type: String, default: '' })
  namespace_worker_id!: string;

  @Prop({ type: Number, default: 0 })
  cpu_percent!: number;

  @Prop({ type: Number, default: 0 })
  memory_percent!: number;

  /** Log tail (bounded by the contracts' MAX_LOG_TAIL_LENGTH). */
  @Prop({ type: String, default: '' })
  logs!: string;

  @Prop({ type: Number, default: 0 })
  restart_count!: number;

  @Prop({ type: Date, required: true })
  created_at!: Date;

  @Prop({ type: Date, required: true })
  updated_at!: Date;
}

export const ClusterInstanceSchema = SchemaFactory.createForClass(ClusterInstanceRecord);
ClusterInstanceSchema.index({ service_id: 1, instance_number: 1 }, { unique: true });
ClusterInstanceSchema.index({ job_name: 1, instance_number: 1 });
ClusterInstanceSchema.index({ worker_id: 1 });
