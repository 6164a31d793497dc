import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { ConflictError } from '../common/errors/domain-errors';
import { isObjectIdHex } from '../common/http/object-id';
import { isDuplicateKeyError } from '../common/persistence/mongo-errors';
import type { User } from './user.model';
import { type UserDocument, UserRecord } from './user.schema';

export interface NewUser {
  name: string;
  email: string;
  passwordHash: string;
  createdAt: string;
}

export interface UserChanges {
  email?: string;
  passwordHash?: string;
  tokensValidAfter?: number;
}

/** The only code touching the `users` collection. */
@Injectable()
export class UserRepository implements OnModuleInit {
  constructor(@InjectModel(UserRecord.name) private readonly model: Model<UserRecord>) {}

  /** Unique indexes must exist before the first write relies on them (bootstrap races). */
  async onModuleInit(): Promise<void> {
    await this.model.init();
  }

  async create(user: NewUser): Promise<User> {
    try {
      const created = await this.model.create({
        name: user.name,
        email: user.email,
        password: user.passwordHash,
        created_at: user.createdAt,
        tokens_valid_after: 0,
      });
      return toUser(created.toObject<UserDocument>());
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new ConflictError(`User ${user.name} already exists`);
      throw error;
    }
  }

  async findByName(name: string): Promise<User | null> {
    const doc = await this.model.findOne({ name }).lean<UserDocument>().exec();
    return doc ? toUser(doc) : null;
  }

  async findById(id: string): Promise<User | null> {
    if (!isObjectIdHex(id)) return null;
    const doc = await this.model.findById(id).lean<UserDocument>().exec();
    return doc ? toUser(doc) : null;
  }

  async findByIds(ids: readonly string[]): Promise<User[]> {
    const valid = ids.filter(isObjectIdHex);
    if (valid.length === 0) return [];
    const docs = await this.model
      .find({ _id: { $in: valid } })
      .sort({ name: 1 })
      .lean<UserDocument[]>()
      .exec();
    return docs.map(toUser);
  }

  async list(): Promise<User[]> {
    const docs = await this.model.find().sort({ name: 1 }).lean<UserDocument[]>().exec();
    return docs.map(toUser);
  }

  async update(name: string, changes: UserChanges): Promise<User | null> {
    const set: Partial<UserRecord> = {};
    if (changes.email !== undefined) set.email = changes.email;
    if (changes.passwordHash !== undefined) set.password = changes.passwordHash;
    if (changes.tokensValidAfter !== undefined) set.tokens_valid_after = changes.tokensValidAfter;
    if (Object.keys(set).length > 0) await this.model.updateOne({ name }, { $set: set }).exec();
    return this.findByName(name);
  }

  async deleteByName(name: string): Promise<boolean> {
    const result = await this.model.deleteOne({ name }).exec();
    return result.deletedCount > 0;
  }

  count(): Promise<number> {
    return this.model.countDocuments().exec();
  }
}

function toUser(doc: UserDocument): User {
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    email: doc.email ?? '',
    passwordHash: doc.password,
    createdAt: doc.created_at,
    tokensValidAfter: doc.tokens_valid_after ?? 0,
  };
}
