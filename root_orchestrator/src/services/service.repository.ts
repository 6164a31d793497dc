import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { ConflictError } from '../common/errors/domain-errors';
import { isObjectIdHex } from '../common/http/object-id';
import { CAS_ATTEMPTS, casBackoff, isDuplicateKeyError } from '../common/persistence/mongo-errors';
import type {
  InstanceRecord,
  InstancesChange,
  PlannedService,
  StoredService,
} from './service.model';
import { type ServiceDocument, ServiceRecord } from './service.schema';

export const DUPLICATE_JOB_NAME =
  'A service with the same job name (application.namespace.service.namespace) exists already';

/** Fields that are storage details, not part of Oakestra's job document. */
const INTERNAL_FIELDS = ['_id', 'revision'] as const;

/** The only code touching the `services` collection. */
@Injectable()
export class ServiceRepository implements OnModuleInit {
  constructor(@InjectModel(ServiceRecord.name) private readonly model: Model<ServiceRecord>) {}

  async onModuleInit(): Promise<void> {
    await this.model.init();
  }

  newId(): string {
    return new Types.ObjectId().toHexString();
  }

  /**
   * Inserts all, in order. On a duplicate job name the insert stops there and a 409 is thrown;
   * callers remove what was written (there are no multi-document transactions on FerretDB).
   */
  async insertMany(services: readonly PlannedService[]): Promise<void> {
    if (services.length === 0) return;
    try {
      await this.model.collection.insertMany(
        services.map((s) => ({ ...s.document, _id: new Types.ObjectId(s.id), revision: 0 })),
        { ordered: true },
      );
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new ConflictError(DUPLICATE_JOB_NAME);
      throw error;
    }
  }

  async findById(id: string): Promise<StoredService | null> {
    if (!isObjectIdHex(id)) return null;
    const doc = await this.model.findById(id).lean<ServiceDocument>().exec();
    return doc ? toStoredService(doc) : null;
  }

  async findByApplication(applicationId: string): Promise<StoredService[]> {
    const docs = await this.model
      .find({ applicationID: applicationId })
      .sort({ _id: 1 })
      .lean<ServiceDocument[]>()
      .exec();
    return docs.map(toStoredService);
  }

  async findByIds(ids: readonly string[]): Promise<StoredService[]> {
    const valid = ids.filter(isObjectIdHex);
    if (valid.length === 0) return [];
    const docs = await this.model
      .find({ _id: { $in: valid } })
      .lean<ServiceDocument[]>()
      .exec();
    return docs.map(toStoredService);
  }

  async findByJobName(jobName: string): Promise<StoredService | null> {
    const doc = await this.model.findOne({ job_name: jobName }).lean<ServiceDocument>().exec();
    return doc ? toStoredService(doc) : null;
  }

  async findByJobNames(jobNames: readonly string[]): Promise<StoredService[]> {
    if (jobNames.length === 0) return [];
    const docs = await this.model
      .find({ job_name: { $in: [...jobNames] } })
      .lean<ServiceDocument[]>()
      .exec();
    return docs.map(toStoredService);
  }

  /**
   * The service holding `address` (canonical text) as a ServiceIP or one of its instances'
   * InstanceIP (Oakestra's lookup order: service addresses first).
   */
  async findByAddress(address: string): Promise<StoredService | null> {
    for (const field of [
      'service_ip_list.Address',
      'service_ip_list.Address_v6',
      'RR_ip',
      'RR_ip_v6',
      'instance_list.instance_ip',
      'instance_list.instance_ip_v6',
    ]) {
      const doc = await this.model
        .findOne({ [field]: address })
        .lean<ServiceDocument>()
        .exec();
      if (doc) return toStoredService(doc);
    }
    return null;
  }

  async list(): Promise<StoredService[]> {
    const docs = await this.model.find().sort({ _id: 1 }).lean<ServiceDocument[]>().exec();
    return docs.map(toStoredService);
  }

  /** Which of `jobNames` are taken. */
  async existingJobNames(jobNames: readonly string[]): Promise<string[]> {
    if (jobNames.length === 0) return [];
    const docs = await this.model
      .find({ job_name: { $in: [...jobNames] } }, { job_name: 1 })
      .lean<{ job_name: string }[]>()
      .exec();
    return docs.map((d) => d.job_name);
  }

  /**
   * Services with at least one instance in one of these statuses (the scheduling reconciler
   * re-queues REQUESTED instances and those a placement refused, which are retried).
   */
  async findWithInstanceStatuses(statuses: readonly string[]): Promise<StoredService[]> {
    const docs = await this.model
      .find({ 'instance_list.status': { $in: [...statuses] } })
      .lean<ServiceDocument[]>()
      .exec();
    return docs.map(toStoredService);
  }

  /** Services with at least one instance placed on one of these clusters (`cluster_id`). */
  async findPlacedOnClusters(clusterIds: readonly string[]): Promise<StoredService[]> {
    if (clusterIds.length === 0) return [];
    const docs = await this.model
      .find({ 'instance_list.cluster_id': { $in: [...clusterIds] } })
      .lean<ServiceDocument[]>()
      .exec();
    return docs.map(toStoredService);
  }

  /** Sets and unsets top-level fields of the job document (instances are left alone). */
  async updateFields(
    id: string,
    set: Record<string, unknown>,
    unset: readonly string[],
  ): Promise<StoredService | null> {
    if (!isObjectIdHex(id)) return null;
    const update: Record<string, unknown> = { $inc: { revision: 1 } };
    if (Object.keys(set).length > 0) update['$set'] = set;
    if (unset.length > 0) update['$unset'] = Object.fromEntries(unset.map((k) => [k, '']));
    try {
      await this.model.collection.updateOne({ _id: new Types.ObjectId(id) }, update);
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new ConflictError(DUPLICATE_JOB_NAME);
      throw error;
    }
    return this.findById(id);
  }

  /**
   * Rewrites the instance list (and counters) from the current document, retrying when another
   * writer got in between. `change` returns null to write nothing. Resolves to the stored service
   * and whether it changed, or null when the service does not exist.
   */
  async modifyInstances(
    id: string,
    change: (current: StoredService) => InstancesChange | null,
  ): Promise<{ service: StoredService; changed: boolean } | null> {
    if (!isObjectIdHex(id)) return null;
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      if (attempt > 0) await casBackoff(attempt);
      const current = await this.findById(id);
      if (!current) return null;
      const next = change(current);
      if (next === null) return { service: current, changed: false };
      const updated = await this.model
        .findOneAndUpdate(
          { _id: id, revision: current.revision },
          { $set: definedFields(next), $inc: { revision: 1 } },
          { new: true },
        )
        .lean<ServiceDocument>()
        .exec();
      if (updated) return { service: toStoredService(updated), changed: true };
    }
    throw new ConflictError('The service is being changed concurrently; retry');
  }

  async deleteById(id: string): Promise<boolean> {
    if (!isObjectIdHex(id)) return false;
    const result = await this.model.deleteOne({ _id: id }).exec();
    return result.deletedCount > 0;
  }

  async deleteByIds(ids: readonly string[]): Promise<void> {
    const valid = ids.filter(isObjectIdHex);
    if (valid.length > 0) await this.model.deleteMany({ _id: { $in: valid } }).exec();
  }

  count(): Promise<number> {
    return this.model.countDocuments().exec();
  }
}

function definedFields(change: InstancesChange): Record<string, unknown> {
  return Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined));
}

function toStoredService(doc: ServiceDocument): StoredService {
  const document: Record<string, unknown> = { ...doc };
  for (const field of INTERNAL_FIELDS) delete document[field];
  return {
    id: doc._id.toHexString(),
    applicationID: String(doc.applicationID),
    job_name: String(doc.job_name),
    microservice_name: String(doc['microservice_name'] ?? ''),
    microservice_namespace: String(doc['microservice_namespace'] ?? ''),
    next_instance_progressive_number: doc.next_instance_progressive_number ?? 0,
    instance_list: (doc.instance_list ?? []) as InstanceRecord[],
    ...(typeof doc['status'] === 'string' ? { status: doc['status'] } : {}),
    ...(typeof doc['status_detail'] === 'string' ? { status_detail: doc['status_detail'] } : {}),
    revision: doc.revision ?? 0,
    document,
  };
}
