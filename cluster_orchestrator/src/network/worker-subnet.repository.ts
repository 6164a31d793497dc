import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { WorkerSubnetRecord } from './worker-subnet.schema';

const MONGO_DUPLICATE_KEY = 11000;

/** The only code touching `worker_subnets`. */
@Injectable()
export class WorkerSubnetRepository implements OnModuleInit {
  constructor(
    @InjectModel(WorkerSubnetRecord.name) private readonly model: Model<WorkerSubnetRecord>,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.model.init();
  }

  async findByWorker(workerId: string): Promise<string | null> {
    const doc = await this.model.findOne({ worker_id: workerId }).lean<WorkerSubnetRecord>().exec();
    return doc?.subnet ?? null;
  }

  /** Every claim as worker id → subnet (tunnel peer lists). */
  async all(): Promise<Map<string, string>> {
    const docs = await this.model
      .find({}, { worker_id: 1, subnet: 1 })
      .lean<Pick<WorkerSubnetRecord, 'worker_id' | 'subnet'>[]>()
      .exec();
    return new Map(docs.map((d) => [d.worker_id, d.subnet]));
  }

  /** Highest claimed index, -1 when none (where the next search starts). */
  async highestIndex(): Promise<number> {
    const doc = await this.model.findOne().sort({ index: -1 }).lean<WorkerSubnetRecord>().exec();
    return doc?.index ?? -1;
  }

  /** Claims `subnet` for the worker; false when the subnet (or a subnet for it) is taken. */
  async claim(workerId: string, subnet: string, index: number): Promise<boolean> {
    try {
      await this.model.create({ subnet, index, worker_id: workerId, claimed_at: new Date() });
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === MONGO_DUPLICATE_KEY) return false;
      throw error;
    }
  }

  async release(workerId: string): Promise<boolean> {
    const result = await this.model.deleteOne({ worker_id: workerId }).exec();
    return result.deletedCount > 0;
  }

  count(): Promise<number> {
    return this.model.countDocuments().exec();
  }
}
