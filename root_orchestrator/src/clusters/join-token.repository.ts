import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { isObjectIdHex } from '../common/http/object-id';
import { isDuplicateKeyError } from '../common/persistence/mongo-errors';
import { type JoinTokenDocument, JoinTokenRecord } from './join-token.schema';

export interface JoinToken {
  id: string;
  token_hash: string;
  description: string;
  max_uses: number | null;
  remaining_uses: number | null;
  uses: number;
  created_at: Date;
  created_by: string;
  expires_at: Date | null;
  revoked_at: Date | null;
  clusters: string[];
}

export type NewJoinToken = Omit<
  JoinToken,
  'id' | 'uses' | 'remaining_uses' | 'revoked_at' | 'clusters'
>;

/** The only code touching `cluster_join_tokens`. */
@Injectable()
export class JoinTokenRepository implements OnModuleInit {
  constructor(@InjectModel(JoinTokenRecord.name) private readonly model: Model<JoinTokenRecord>) {}

  async onModuleInit(): Promise<void> {
    await this.model.init(); // unique token_hash
  }

  async insert(token: NewJoinToken): Promise<JoinToken> {
    const id = new Types.ObjectId();
    await this.model.collection.insertOne({
      _id: id,
      ...token,
      remaining_uses: token.max_uses,
      uses: 0,
      revoked_at: null,
      clusters: [],
    });
    const stored = await this.findById(id.toHexString());
    if (!stored) throw new Error('join token vanished right after its insert');
    return stored;
  }

  /** Inserts unless a token with this hash exists (bootstrap tokens); true when inserted. */
  async insertIfAbsent(token: NewJoinToken): Promise<boolean> {
    try {
      await this.model.collection.insertOne({
        _id: new Types.ObjectId(),
        ...token,
        remaining_uses: token.max_uses,
        uses: 0,
        revoked_at: null,
        clusters: [],
      });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async findById(id: string): Promise<JoinToken | null> {
    if (!isObjectIdHex(id)) return null;
    const doc = await this.model.findById(id).lean<JoinTokenDocument>().exec();
    return doc ? toJoinToken(doc) : null;
  }

  async findByHash(hash: string): Promise<JoinToken | null> {
    const doc = await this.model.findOne({ token_hash: hash }).lean<JoinTokenDocument>().exec();
    return doc ? toJoinToken(doc) : null;
  }

  async list(): Promise<JoinToken[]> {
    const docs = await this.model.find().sort({ created_at: 1 }).lean<JoinTokenDocument[]>().exec();
    return docs.map(toJoinToken);
  }

  /**
   * Takes one use, atomically: a limited token only while `remaining_uses > 0` and not revoked
   * (a conditional single-document update, safe on FerretDB). False when none was left.
   */
  async takeUse(token: JoinToken): Promise<boolean> {
    const filter: Record<string, unknown> = { _id: new Types.ObjectId(token.id), revoked_at: null };
    const inc: Record<string, number> = { uses: 1 };
    if (token.max_uses !== null) {
      filter['remaining_uses'] = { $gt: 0 };
      inc['remaining_uses'] = -1;
    }
    const result = await this.model.collection.updateOne(filter, { $inc: inc });
    return result.modifiedCount > 0;
  }

  /** Gives a use back (the registration it was taken for failed). */
  async returnUse(token: JoinToken): Promise<void> {
    const inc: Record<string, number> = { uses: -1 };
    if (token.max_uses !== null) inc['remaining_uses'] = 1;
    await this.model.collection.updateOne({ _id: new Types.ObjectId(token.id) }, { $inc: inc });
  }

  async addCluster(tokenId: string, clusterId: string): Promise<void> {
    if (!isObjectIdHex(tokenId)) return;
    await this.model.updateOne({ _id: tokenId }, { $addToSet: { clusters: clusterId } }).exec();
  }

  /** Sets revoked_at once; returns the token (null when absent). */
  async revoke(id: string, now: Date): Promise<JoinToken | null> {
    if (!isObjectIdHex(id)) return null;
    await this.model.updateOne({ _id: id, revoked_at: null }, { $set: { revoked_at: now } }).exec();
    return this.findById(id);
  }
}

function toJoinToken(doc: JoinTokenDocument): JoinToken {
  return {
    id: doc._id.toHexString(),
    token_hash: doc.token_hash,
    description: doc.description ?? '',
    max_uses: doc.max_uses ?? null,
    remaining_uses: doc.remaining_uses ?? null,
    uses: doc.uses ?? 0,
    created_at: doc.created_at,
    created_by: doc.created_by ?? '',
    expires_at: doc.expires_at ?? null,
    revoked_at: doc.revoked_at ?? null,
    clusters: doc.clusters ?? [],
  };
}
