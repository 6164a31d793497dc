import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { NetWorkerInterestRecord } from './net-interest.schema';

export interface WorkerInterest {
  worker_id: string;
  job_name: string;
  updated_at: Date;
}

const MONGO_DUPLICATE_KEY = 11000;

/** The only code touching `net_worker_interests`. */
@Injectable()
export class NetInterestRepository {
  constructor(
    @InjectModel(NetWorkerInterestRecord.name)
    private readonly model: Model<NetWorkerInterestRecord>,
  ) {}

  /** Records or refreshes one interest (idempotent; concurrent calls converge). */
  async touch(workerId: string, jobName: string, now: Date): Promise<void> {
    const filter = { _id: `${workerId}/${jobName}` };
    const update = { $set: { worker_id: workerId, job_name: jobName, updated_at: now } };
    try {
      await this.model.updateOne(filter, update, { upsert: true }).exec();
    } catch (error) {
      // Two upserts of the same new _id: one inserted, the other only has to refresh it.
      if ((error as { code?: unknown }).code !== MONGO_DUPLICATE_KEY) throw error;
      await this.model.updateOne(filter, update).exec();
    }
  }

  /** Removes one interest; true when it existed. */
  async remove(workerId: string, jobName: string): Promise<boolean> {
    const result = await this.model.deleteOne({ _id: `${workerId}/${jobName}` }).exec();
    return result.deletedCount > 0;
  }

  async list(): Promise<WorkerInterest[]> {
    const docs = await this.model.find().lean<NetWorkerInterestRecord[]>().exec();
    return docs.map((d) => ({
      worker_id: d.worker_id,
      job_name: d.job_name,
      updated_at: d.updated_at,
    }));
  }

  async workersInterestedIn(jobName: string): Promise<string[]> {
    const docs = await this.model
      .find({ job_name: jobName })
      .lean<NetWorkerInterestRecord[]>()
      .exec();
    return docs.map((d) => d.worker_id);
  }

  /**
   * Removes every interest refreshed before `cutoff` or held by a worker not in `keep`, and
   * returns them. Each delete re-checks its condition, so an interest refreshed meanwhile stays.
   */
  async expire(cutoff: Date, keep: ReadonlySet<string>): Promise<WorkerInterest[]> {
    const removed: WorkerInterest[] = [];
    for (const i of await this.list()) {
      const gone = !keep.has(i.worker_id);
      if (!gone && i.updated_at >= cutoff) continue;
      const filter = gone
        ? { _id: `${i.worker_id}/${i.job_name}` }
        : { _id: `${i.worker_id}/${i.job_name}`, updated_at: { $lt: cutoff } };
      if ((await this.model.deleteOne(filter).exec()).deletedCount > 0) removed.push(i);
    }
    return removed;
  }
}
