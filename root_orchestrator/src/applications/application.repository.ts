import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { ConflictError } from '../common/errors/domain-errors';
import { isObjectIdHex } from '../common/http/object-id';
import { isDuplicateKeyError } from '../common/persistence/mongo-errors';
import type { Application } from './application.model';
import { type ApplicationDocument, ApplicationRecord } from './application.schema';

/** Oakestra's message for the duplicate. */
export const DUPLICATE_APPLICATION =
  'An application with the same name and namespace exists already';

/** The only code touching the `applications` collection. */
@Injectable()
export class ApplicationRepository implements OnModuleInit {
  constructor(
    @InjectModel(ApplicationRecord.name) private readonly model: Model<ApplicationRecord>,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.model.init();
  }

  /** A fresh id, so an application's services can reference it before it is inserted. */
  newId(): string {
    return new Types.ObjectId().toHexString();
  }

  async insert(app: Application): Promise<void> {
    try {
      await this.model.create({
        _id: new Types.ObjectId(app.id),
        application_name: app.application_name,
        application_namespace: app.application_namespace,
        application_desc: app.application_desc,
        userId: app.userId,
        microservices: app.microservices,
        created_at: new Date().toISOString(),
      });
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new ConflictError(DUPLICATE_APPLICATION);
      throw error;
    }
  }

  async findById(id: string): Promise<Application | null> {
    if (!isObjectIdHex(id)) return null;
    const doc = await this.model.findById(id).lean<ApplicationDocument>().exec();
    return doc ? toApplication(doc) : null;
  }

  async findByOwnerAndName(
    userId: string,
    name: string,
    namespace: string,
  ): Promise<Application | null> {
    const doc = await this.model
      .findOne({ userId, application_name: name, application_namespace: namespace })
      .lean<ApplicationDocument>()
      .exec();
    return doc ? toApplication(doc) : null;
  }

  async findByOwner(userId: string): Promise<Application[]> {
    const docs = await this.model
      .find({ userId })
      .sort({ _id: 1 })
      .lean<ApplicationDocument[]>()
      .exec();
    return docs.map(toApplication);
  }

  async list(): Promise<Application[]> {
    const docs = await this.model.find().sort({ _id: 1 }).lean<ApplicationDocument[]>().exec();
    return docs.map(toApplication);
  }

  countByOwner(userId: string): Promise<number> {
    return this.model.countDocuments({ userId }).exec();
  }

  count(): Promise<number> {
    return this.model.countDocuments().exec();
  }

  /** Appends service ids; false when the application no longer exists. */
  async pushMicroservices(id: string, serviceIds: readonly string[]): Promise<boolean> {
    const result = await this.model
      .updateOne({ _id: id }, { $push: { microservices: { $each: [...serviceIds] } } })
      .exec();
    return result.matchedCount > 0;
  }

  /** Removes one service id (exact-value $pull, which FerretDB v1 supports). */
  async pullMicroservice(id: string, serviceId: string): Promise<void> {
    if (!isObjectIdHex(id)) return;
    await this.model.updateOne({ _id: id }, { $pull: { microservices: serviceId } }).exec();
  }

  /** Sets name, namespace and description; null when gone; 409 on a duplicate name. */
  async updateNames(
    id: string,
    fields: Pick<Application, 'application_name' | 'application_namespace' | 'application_desc'>,
  ): Promise<Application | null> {
    try {
      await this.model.updateOne({ _id: id }, { $set: fields }).exec();
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new ConflictError(DUPLICATE_APPLICATION);
      throw error;
    }
    return this.findById(id);
  }

  async delete(id: string): Promise<boolean> {
    if (!isObjectIdHex(id)) return false;
    const result = await this.model.deleteOne({ _id: id }).exec();
    return result.deletedCount > 0;
  }

  async deleteMany(ids: readonly string[]): Promise<void> {
    const valid = ids.filter(isObjectIdHex);
    if (valid.length > 0) await this.model.deleteMany({ _id: { $in: valid } }).exec();
  }
}

function toApplication(doc: ApplicationDocument): Application {
  return {
    id: doc._id.toHexString(),
    application_name: doc.application_name,
    application_namespace: doc.application_namespace,
    application_desc: doc.application_desc ?? '',
    userId: doc.userId,
    microservices: [...(doc.microservices ?? [])],
  };
}
