import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { nextRevision } from './net-peers.rules';
import { NetPeersStateRecord } from './net-peers-revision.schema';

/** State documents: one revision sequence per kind of list published to the workers. */
export const RevisionSequence = { PEERS: 'peers', SERVICES: 'services' } as const;
export type RevisionSequence = (typeof RevisionSequence)[keyof typeof RevisionSequence];
const MONGO_DUPLICATE_KEY = 11000;
/** Compare-and-set attempts; only a second cluster process on the same database competes. */
const CAS_ATTEMPTS = 10;

/** The only code touching `net_peers_state`. */
@Injectable()
export class NetPeersRevisionRepository {
  constructor(
    @InjectModel(NetPeersStateRecord.name) private readonly model: Model<NetPeersStateRecord>,
  ) {}

  /**
   * Hands out the next revision (see nextRevision) by compare-and-set on the stored one (FerretDB
   * v1 has no $expr or transactions): a revision is handed out at most once, and each is larger
   * than every one before it.
   */
  async next(sequence: RevisionSequence = RevisionSequence.PEERS): Promise<number> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const current = await this.model.findById(sequence).lean<NetPeersStateRecord>().exec();
      const revision = nextRevision(current?.revision, Date.now());
      if (current === null) {
        try {
          await this.model.create({ _id: sequence, revision });
          return revision;
        } catch (error) {
          if ((error as { code?: unknown }).code === MONGO_DUPLICATE_KEY) continue;
          throw error;
        }
      }
      const result = await this.model
        .updateOne({ _id: sequence, revision: current.revision }, { $set: { revision } })
        .exec();
      if (result.modifiedCount > 0) return revision;
    }
    throw new Error(`could not advance the ${sequence} revision (concurrent writers)`);
  }
}
