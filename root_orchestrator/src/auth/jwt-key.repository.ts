import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { isDuplicateKeyError } from '../common/persistence/mongo-errors';
import { JwtKeyRecord, SIGNING_KEY_ID } from './jwt-key.schema';

export interface PemKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

/** The only code touching `jwt_keys`. */
@Injectable()
export class JwtKeyRepository {
  constructor(@InjectModel(JwtKeyRecord.name) private readonly model: Model<JwtKeyRecord>) {}

  async findSigningKey(): Promise<PemKeyPair | null> {
    const doc = await this.model.findById(SIGNING_KEY_ID).lean<JwtKeyRecord>().exec();
    return doc ? { privateKeyPem: doc.private_key, publicKeyPem: doc.public_key } : null;
  }

  /**
   * Stores the pair unless one exists already; resolves to the stored pair, which is another
   * replica's when two roots boot at once (the fixed `_id` makes exactly one insert win).
   */
  async insertSigningKeyOnce(pair: PemKeyPair): Promise<PemKeyPair> {
    try {
      await this.model.create({
        _id: SIGNING_KEY_ID,
        algorithm: 'RS256',
        private_key: pair.privateKeyPem,
        public_key: pair.publicKeyPem,
        created_at: new Date().toISOString(),
      });
      return pair;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const stored = await this.findSigningKey();
      if (!stored) throw error;
      return stored;
    }
  }
}
