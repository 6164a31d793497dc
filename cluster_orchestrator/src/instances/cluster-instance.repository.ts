import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { ClusterInstanceRecord, type InstanceReservation } from './cluster-instance.schema';

export type { InstanceReservation };

export interface ClusterInstance {
  service_id: string;
  instance_number: number;
  generation: number;
  job_name: string;
  job: Record<string, unknown>;
  status: string;
  status_detail: string;
  worker_id: string;
  reservation: InstanceReservation | null;
  host_ip: string;
  /** See ClusterInstanceRecord.namespace_ip: valid only while namespace_worker_id === worker_id. */
  namespace_ip: string;
  namespace_worker_id: string;
  cpu_percent: number;
  memory_percent: number;
  logs: string;
  restart_count: number;
}

/** What a worker's report changes on an instance (absent = unchanged). */
export interface WorkerObservation {
  status?: string;
  status_detail?: string;
  host_ip?: string;
  cpu_percent?: number;
  memory_percent?: number;
  logs?: string;
  restart_count?: number;
}

type NewInstance = Omit<
  ClusterInstance,
  | 'reservation'
  | 'host_ip'
  | 'namespace_ip'
  | 'namespace_worker_id'
  | 'cpu_percent'
  | 'memory_percent'
  | 'logs'
  | 'restart_count'
>;

const MONGO_DUPLICATE_KEY = 11000;

/** The only code touching the cluster's `instances` collection. */
@Injectable()
export class ClusterInstanceRepository implements OnModuleInit {
  constructor(
    @InjectModel(ClusterInstanceRecord.name) private readonly model: Model<ClusterInstanceRecord>,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.model.init(); // the unique (service_id, instance_number) index
  }

  async list(): Promise<ClusterInstance[]> {
    const docs = await this.model
      .find()
      .sort({ service_id: 1, instance_number: 1 })
      .lean<ClusterInstanceRecord[]>()
      .exec();
    return docs.map(toInstance);
  }

  async find(serviceId: string, instanceNumber: number): Promise<ClusterInstance | null> {
    const doc = await this.model
      .findOne({ service_id: serviceId, instance_number: instanceNumber })
      .lean<ClusterInstanceRecord>()
      .exec();
    return doc ? toInstance(doc) : null;
  }

  /**
   * Stores the instance unless one with the same or a newer generation is stored already, in one
   * conditional upsert (no read-modify-write race). True when written.
   */
  async putIfNewer(instance: NewInstance): Promise<boolean> {
    const now = new Date();
    try {
      const result = await this.model
        .updateOne(
          {
            service_id: instance.service_id,
            instance_number: instance.instance_number,
            generation: { $lt: instance.generation },
          },
          {
            $set: {
              generation: instance.generation,
              job_name: instance.job_name,
              job: instance.job,
              status: instance.status,
              status_detail: instance.status_detail,
              worker_id: instance.worker_id,
              reservation: null,
              host_ip: '',
              cpu_percent: 0,
              memory_percent: 0,
              logs: '',
              restart_count: 0,
              updated_at: now,
            },
            $setOnInsert: { created_at: now },
          },
          { upsert: true },
        )
        .exec();
      return result.modifiedCount > 0 || result.upsertedCount > 0;
    } catch (error) {
      // The insert half of the upsert hit the unique index: a same-or-newer generation is stored.
      if ((error as { code?: unknown }).code === MONGO_DUPLICATE_KEY) return false;
      throw error;
    }
  }

  /**
   * Removes the instance if its stored generation is at most `generation`; returns what was
   * removed (its worker and reservation are the caller's to clean up), null if nothing.
   */
  async removeUpTo(
    serviceId: string,
    instanceNumber: number,
    generation: number,
  ): Promise<ClusterInstance | null> {
    const doc = await this.model
      .findOneAndDelete({
        service_id: serviceId,
        instance_number: instanceNumber,
        generation: { $lte: generation },
      })
      .lean<ClusterInstanceRecord>()
      .exec();
    return doc ? toInstance(doc) : null;
  }

  /** Removes every instance of the service, one by one; returns the removed ones. */
  async removeService(serviceId: string): Promise<ClusterInstance[]> {
    const docs = await this.model
      .find({ service_id: serviceId })
      .lean<ClusterInstanceRecord[]>()
      .exec();
    const removed: ClusterInstance[] = [];
    for (const doc of docs) {
      const gone = await this.removeUpTo(doc.service_id, doc.instance_number, doc.generation);
      if (gone) removed.push(gone);
    }
    return removed;
  }

  async findByJob(jobName: string, instanceNumber: number): Promise<ClusterInstance | null> {
    const doc = await this.model
      .findOne({ job_name: jobName, instance_number: instanceNumber })
      .lean<ClusterInstanceRecord>()
      .exec();
    return doc ? toInstance(doc) : null;
  }

  async listByWorker(workerId: string): Promise<ClusterInstance[]> {
    const docs = await this.model
      .find({ worker_id: workerId })
      .lean<ClusterInstanceRecord[]>()
      .exec();
    return docs.map(toInstance);
  }

  /** Instances in one of `statuses` (the scheduler's reconciler looks for unplaced ones). */
  async listInStatus(statuses: readonly string[]): Promise<ClusterInstance[]> {
    const docs = await this.model
      .find({ status: { $in: [...statuses] } })
      .lean<ClusterInstanceRecord[]>()
      .exec();
    return docs.map(toInstance);
  }

  /**
   * Assigns the instance to a worker with the reservation it took there, only if it is still
   * at `generation`, in one of `from`, and holds no reservation. True when assigned; when false
   * the caller gives the reservation back.
   */
  async assignWorker(
    serviceId: string,
    instanceNumber: number,
    generation: number,
    from: readonly string[],
    status: string,
    reservation: InstanceReservation,
    hostIp: string,
  ): Promise<boolean> {
    const result = await this.model
      .updateOne(
        {
          service_id: serviceId,
          instance_number: instanceNumber,
          generation,
          status: { $in: [...from] },
          reservation: null,
        },
        {
          $set: {
            status,
            status_detail: '',
            worker_id: reservation.worker_id,
            reservation,
            host_ip: hostIp,
            updated_at: new Date(),
          },
        },
      )
      .exec();
    return result.modifiedCount > 0;
  }

  /** Records why the instance cannot be placed (only while still unplaced at `generation`). */
  async setUnplaced(
    serviceId: string,
    instanceNumber: number,
    generation: number,
    from: readonly string[],
    status: string,
    detail: string,
  ): Promise<boolean> {
    const result = await this.model
      .updateOne(
        {
          service_id: serviceId,
          instance_number: instanceNumber,
          generation,
          status: { $in: [...from] },
          reservation: null,
        },
        { $set: { status, status_detail: detail, worker_id: '', updated_at: new Date() } },
      )
      .exec();
    return result.modifiedCount > 0;
  }

  /**
   * Clears the instance's reservation and returns what it was, atomically: of two concurrent
   * callers only one gets it, so a reservation is released once. Null when there was none.
   */
  async takeReservation(
    serviceId: string,
    instanceNumber: number,
  ): Promise<InstanceReservation | null> {
    const before = await this.model
      .findOneAndUpdate(
        { service_id: serviceId, instance_number: instanceNumber, reservation: { $ne: null } },
        { $set: { reservation: null } },
      )
      .lean<ClusterInstanceRecord>()
      .exec();
    return before?.reservation ?? null;
  }

  /**
   * Takes the instance off `workerId` (a lost worker) so the scheduler places it again: back to
   * `status` with `detail`, no worker, no reservation, no worker-reported facts — in one
   * conditional update that matches only while it is still on that worker at that generation.
   * Returns the reservation it held there (to be given back), or undefined when nothing matched.
   */
  async unassignFromWorker(
    serviceId: string,
    instanceNumber: number,
    generation: number,
    workerId: string,
    status: string,
    detail: string,
  ): Promise<{ reservation: InstanceReservation | null } | undefined> {
    const before = await this.model
      .findOneAndUpdate(
        {
          service_id: serviceId,
          instance_number: instanceNumber,
          generation,
          worker_id: workerId,
        },
        {
          $set: {
            status,
            status_detail: detail,
            worker_id: '',
            reservation: null,
            host_ip: '',
            cpu_percent: 0,
            memory_percent: 0,
            updated_at: new Date(),
          },
        },
      )
      .lean<ClusterInstanceRecord>()
      .exec();
    return before ? { reservation: before.reservation ?? null } : undefined;
  }

  /**
   * Applies what `workerId` reports about an instance, only while the instance is placed on that
   * worker (and, when given, at that generation): a worker cannot change instances it does not
   * hold. True when something matched.
   */
  async observe(
    jobName: string,
    instanceNumber: number,
    workerId: string,
    generation: number | undefined,
    observation: WorkerObservation,
  ): Promise<boolean> {
    const set: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(observation))
      if (value !== undefined) set[key] = value;
    if (Object.keys(set).length === 0) return false;
    set['updated_at'] = new Date();
    const result = await this.model
      .updateOne(
        {
          job_name: jobName,
          instance_number: instanceNumber,
          worker_id: workerId,
          ...(generation !== undefined ? { generation } : {}),
        },
        { $set: set },
      )
      .exec();
    return result.matchedCount > 0;
  }

  /**
   * Records the namespace IP `workerId` reports for an instance, only while the instance is placed
   * on that worker (a worker cannot speak for instances it does not hold). True when matched.
   */
  async setNamespaceIp(
    jobName: string,
    instanceNumber: number,
    workerId: string,
    namespaceIp: string,
  ): Promise<boolean> {
    const result = await this.model
      .updateOne(
        { job_name: jobName, instance_number: instanceNumber, worker_id: workerId },
        {
          $set: {
            namespace_ip: namespaceIp,
            namespace_worker_id: workerId,
            updated_at: new Date(),
          },
        },
      )
      .exec();
    return result.matchedCount > 0;
  }

  /**
   * Clears the namespace IPs `workerId` reported for the job's instance (or all its instances
   * when `instanceNumber` is undefined). True when something changed.
   */
  async clearNamespaceIp(
    jobName: string,
    instanceNumber: number | undefined,
    workerId: string,
  ): Promise<boolean> {
    const result = await this.model
      .updateMany(
        {
          job_name: jobName,
          ...(instanceNumber !== undefined ? { instance_number: instanceNumber } : {}),
          namespace_worker_id: workerId,
          namespace_ip: { $ne: '' },
        },
        { $set: { namespace_ip: '', updated_at: new Date() } },
      )
      .exec();
    return result.modifiedCount > 0;
  }

  count(): Promise<number> {
    return this.model.countDocuments().exec();
  }
}

function toInstance(doc: ClusterInstanceRecord): ClusterInstance {
  return {
    service_id: doc.service_id,
    instance_number: doc.instance_number,
    generation: doc.generation,
    job_name: doc.job_name,
    job: doc.job,
    status: doc.status,
    status_detail: doc.status_detail ?? '',
    worker_id: doc.worker_id ?? '',
    reservation: doc.reservation ?? null,
    host_ip: doc.host_ip ?? '',
    namespace_ip: doc.namespace_ip ?? '',
    namespace_worker_id: doc.namespace_worker_id ?? '',
    cpu_percent: doc.cpu_percent ?? 0,
    memory_percent: doc.memory_percent ?? 0,
    logs: doc.logs ?? '',
    restart_count: doc.restart_count ?? 0,
  };
}
