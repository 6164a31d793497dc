import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { ClusterIdentityRecord, IDENTITY_ID } from './cluster-identity.schema';

export interface ClusterIdentity {
  cluster_id: string;
  cluster_secret: string;
  root_url: string;
  registered_at: Date;
}

/** The only code touching `cluster_identity`. */
@Injectable()
export class ClusterIdentityRepository {
  constructor(
    @InjectModel(ClusterIdentityRecord.name) private readonly model: Model<ClusterIdentityRecord>,
  ) {}

  async load(): Promise<ClusterIdentity | null> {
    const doc = await this.model.findById(IDENTITY_ID).lean<ClusterIdentityRecord>().exec();
    if (!doc) return null;
    return {
      cluster_id: doc.cluster_id,
      cluster_secret: doc.cluster_secret,
      root_url: doc.root_url,
      registered_at: doc.registered_at,
    };
  }

  async save(identity: {
    cluster_id: string;
    cluster_secret: string;
    root_url: string;
  }): Promise<void> {
    const now = new Date();
    await this.model
      .updateOne(
        { _id: IDENTITY_ID },
        {
          $set: { ...identity, updated_at: now },
          $setOnInsert: { registered_at: now },
        },
        { upsert: true },
      )
      .exec();
  }

  async clear(): Promise<void> {
    await this.model.deleteOne({ _id: IDENTITY_ID }).exec();
  }
}
