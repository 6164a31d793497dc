import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { ClusterInstanceRecord } from './cluster-instance.schema';

export interface ClusterInstance {
  service_id: string;
  instance_number: number;
  generation: number;
  job_name: string;
  job: Record<string, unknown>;
  status: string;
  status_detail: string;
  worker_id: string;
}

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
  async putIfNewer(instance: ClusterInstance): Promise<boolean> {
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

  /** Removes the instance if its stored generation is at most `generation`. True when removed. */
  async removeUpTo(
    serviceId: string,
    instanceNumber: number,
    generation: number,
  ): Promise<boolean> {
    const result = await this.model
      .deleteOne({
        service_id: serviceId,
        instance_number: instanceNumber,
        generation: { $lte: generation },
      })
      .exec();
    return result.deletedCount > 0;
  }

  /** Removes every instance of the service; returns how many. */
  async removeService(serviceId: string): Promise<number> {
    const result = await this.model.deleteMany({ service_id: serviceId }).exec();
    return result.deletedCount;
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
  };
}
