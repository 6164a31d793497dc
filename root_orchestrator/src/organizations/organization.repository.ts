import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { ConflictError } from '../common/errors/domain-errors';
import { isObjectIdHex } from '../common/http/object-id';
import { CAS_ATTEMPTS, casBackoff, isDuplicateKeyError } from '../common/persistence/mongo-errors';
import type { Organization, OrganizationMember } from './organization.model';
import { type OrganizationDocument, OrganizationRecord } from './organization.schema';

/** The only code touching the `organizations` collection. */
@Injectable()
export class OrganizationRepository implements OnModuleInit {
  constructor(
    @InjectModel(OrganizationRecord.name) private readonly model: Model<OrganizationRecord>,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.model.init();
  }

  async create(name: string, member: OrganizationMember[]): Promise<Organization> {
    try {
      const created = await this.model.create({ name, member, revision: 0 });
      return toOrganization(created.toObject<OrganizationDocument>());
    } catch (error) {
      if (isDuplicateKeyError(error)) throw duplicateName(name);
      throw error;
    }
  }

  async findById(id: string): Promise<Organization | null> {
    if (!isObjectIdHex(id)) return null;
    const doc = await this.model.findById(id).lean<OrganizationDocument>().exec();
    return doc ? toOrganization(doc) : null;
  }

  async findByName(name: string): Promise<Organization | null> {
    const doc = await this.model.findOne({ name }).lean<OrganizationDocument>().exec();
    return doc ? toOrganization(doc) : null;
  }

  async list(): Promise<Organization[]> {
    const docs = await this.model.find().sort({ name: 1 }).lean<OrganizationDocument[]>().exec();
    return docs.map(toOrganization);
  }

  async findByMember(userId: string): Promise<Organization[]> {
    const docs = await this.model
      .find({ 'member.user_id': userId })
      .lean<OrganizationDocument[]>()
      .exec();
    return docs.map(toOrganization);
  }

  /**
   * Applies `change` to the current organization and writes the result if nobody wrote in between
   * (revision compare-and-set), retrying on a lost race. `change` returns null to write nothing.
   * Resolves to the stored organization, or null when it does not exist.
   */
  async modify(
    id: string,
    change: (current: Organization) => { name?: string; member?: OrganizationMember[] } | null,
  ): Promise<Organization | null> {
    if (!isObjectIdHex(id)) return null;
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      if (attempt > 0) await casBackoff(attempt);
      const doc = await this.model.findById(id).lean<OrganizationDocument>().exec();
      if (!doc) return null;
      const current = toOrganization(doc);
      const next = change(current);
      if (next === null) return current;
      try {
        const updated = await this.model
          .findOneAndUpdate(
            { _id: id, revision: doc.revision ?? 0 },
            { $set: { ...next }, $inc: { revision: 1 } },
            { new: true },
          )
          .lean<OrganizationDocument>()
          .exec();
        if (updated) return toOrganization(updated);
      } catch (error) {
        if (isDuplicateKeyError(error)) throw duplicateName(next.name ?? current.name);
        throw error;
      }
    }
    throw new ConflictError('The organization is being changed concurrently; retry');
  }

  async delete(id: string): Promise<boolean> {
    if (!isObjectIdHex(id)) return false;
    const result = await this.model.deleteOne({ _id: id }).exec();
    return result.deletedCount > 0;
  }

  count(): Promise<number> {
    return this.model.countDocuments().exec();
  }
}

function duplicateName(name: string): ConflictError {
  return new ConflictError(`An organization named ${name} already exists`);
}

function toOrganization(doc: OrganizationDocument): Organization {
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    member: (doc.member ?? []).map((m) => ({
      user_id: m.user_id,
      roles: [...(m.roles ?? [])] as OrganizationMember['roles'],
    })),
  };
}
