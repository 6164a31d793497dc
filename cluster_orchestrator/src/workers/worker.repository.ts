import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Types, type Model } from 'mongoose';
import { sameResources, type WorkerFactsPatch } from './worker.rules';
import { type ResourceTriple, WorkerRecord } from './worker.schema';

export interface Worker {
  id: string;
  host: string;
  ip: string;
  port: string;
  architecture: string;
  facts: Record<string, unknown>;
  virtualization: string[];
  labels: Record<string, string>;
  capacity: ResourceTriple;
  free: ResourceTriple;
  rev: number;
  link_status: string;
  last_seen: Date;
  registered_at: Date;
  mqtt_username: string;
  /** The worker's WireGuard public key; absent until it sent one. */
  wg_public_key?: string;
  /** UDP port of the worker's tunnel; absent = the default. */
  tunnel_port?: number;
}

/** What a registration or an `information` report says about the worker. */
export interface WorkerFacts {
  host: string;
  ip: string;
  port: string;
  architecture: string;
  facts: Record<string, unknown>;
  virtualization: string[];
  labels: Record<string, string>;
  /** Only when the message carried them (absent = keep the stored value). */
  wg_public_key?: string;
  tunnel_port?: number;
}

const MONGO_DUPLICATE_KEY = 11000;
/** Compare-and-set attempts before giving up on a capacity change (it is re-sent every 2 s). */
const CAS_ATTEMPTS = 5;

/** The only code touching the cluster's `workers` collection. */
@Injectable()
export class WorkerRepository implements OnModuleInit {
  constructor(@InjectModel(WorkerRecord.name) private readonly model: Model<WorkerRecord>) {}

  async onModuleInit(): Promise<void> {
    await this.model.init(); // the unique host index
  }

  static newId(): string {
    return new Types.ObjectId().toHexString();
  }

  async findById(id: string): Promise<Worker | null> {
    const doc = await this.model.findById(id).lean<WorkerRecord>().exec();
    return doc ? toWorker(doc) : null;
  }

  async findByHost(host: string): Promise<Worker | null> {
    const doc = await this.model.findOne({ host }).lean<WorkerRecord>().exec();
    return doc ? toWorker(doc) : null;
  }

  async list(): Promise<Worker[]> {
    const docs = await this.model.find().sort({ host: 1 }).lean<WorkerRecord[]>().exec();
    return docs.map(toWorker);
  }

  /**
   * Inserts a new worker with `capacity` all free. Returns false when the id or host is taken
   * (a concurrent registration of the same host won: the caller reads it back).
   */
  async insert(
    id: string,
    facts: WorkerFacts,
    capacity: ResourceTriple,
    mqttUsername: string,
  ): Promise<boolean> {
    const now = new Date();
    try {
      await this.model.create({
        _id: id,
        ...facts,
        capacity,
        free: capacity,
        rev: 0,
        link_status: 'online',
        last_seen: now,
        registered_at: now,
        mqtt_username: mqttUsername,
      });
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === MONGO_DUPLICATE_KEY) return false;
      throw error;
    }
  }

  /** Records facts and marks the worker seen now; never touches capacity or free. */
  async recordFacts(
    id: string,
    facts: WorkerFacts,
    extra: { mqtt_username?: string } = {},
  ): Promise<boolean> {
    const result = await this.model
      .updateOne({ _id: id }, { $set: { ...facts, ...extra, last_seen: new Date() } })
      .exec();
    return result.matchedCount > 0;
  }

  /**
   * Applies an `information` report: the fields it carries, each fact key by key, and marks the
   * worker seen now. Never touches capacity or free.
   */
  async recordInformation(id: string, patch: WorkerFactsPatch): Promise<boolean> {
    const { factsPatch, ...fields } = patch;
    const set: Record<string, unknown> = { ...fields, last_seen: new Date() };
    for (const [key, value] of Object.entries(factsPatch)) set[`facts.${key}`] = value;
    const result = await this.model.updateOne({ _id: id }, { $set: set }).exec();
    return result.matchedCount > 0;
  }

  async setLinkStatus(id: string, status: string): Promise<boolean> {
    const result = await this.model
      .updateOne({ _id: id }, { $set: { link_status: status } })
      .exec();
    return result.matchedCount > 0;
  }

  /**
   * Moves capacity to `capacity` and `free` by the same delta (keeping the invariant), by
   * compare-and-set on `rev`. False if the worker is gone or kept changing under us.
   */
  async setCapacity(id: string, capacity: ResourceTriple): Promise<boolean> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const current = await this.model.findById(id).lean<WorkerRecord>().exec();
      if (!current) return false;
      if (sameResources(current.capacity, capacity)) return true;
      const free: ResourceTriple = {
        vcpus: current.free.vcpus + capacity.vcpus - current.capacity.vcpus,
        memory: current.free.memory + capacity.memory - current.capacity.memory,
        vgpus: current.free.vgpus + capacity.vgpus - current.capacity.vgpus,
      };
      const result = await this.model
        .updateOne({ _id: id, rev: current.rev }, { $set: { capacity, free }, $inc: { rev: 1 } })
        .exec();
      if (result.modifiedCount > 0) return true;
    }
    return false;
  }

  /**
   * Takes `amounts` from the worker's free resources in ONE conditional update: it matches only
   * while every free amount covers the request, so concurrent reservations can never drive a
   * worker below zero, whatever the interleaving. True when reserved.
   */
  async reserve(id: string, amounts: ResourceTriple): Promise<boolean> {
    const result = await this.model
      .updateOne(
        {
          _id: id,
          'free.vcpus': { $gte: amounts.vcpus },
          'free.memory': { $gte: amounts.memory },
          'free.vgpus': { $gte: amounts.vgpus },
        },
        {
          $inc: {
            'free.vcpus': -amounts.vcpus,
            'free.memory': -amounts.memory,
            'free.vgpus': -amounts.vgpus,
            rev: 1,
          },
        },
      )
      .exec();
    return result.modifiedCount > 0;
  }

  /**
   * Sets `free` (a leaked reservation repaired) only if the worker is still at revision `rev`,
   * i.e. nothing reserved or released on it since it was audited. True when set.
   */
  async repairFree(id: string, rev: number, free: ResourceTriple): Promise<boolean> {
    const result = await this.model
      .updateOne({ _id: id, rev }, { $set: { free }, $inc: { rev: 1 } })
      .exec();
    return result.modifiedCount > 0;
  }

  /** Gives `amounts` back (the caller guarantees each reservation is released once). */
  async release(id: string, amounts: ResourceTriple): Promise<void> {
    await this.model
      .updateOne(
        { _id: id },
        {
          $inc: {
            'free.vcpus': amounts.vcpus,
            'free.memory': amounts.memory,
            'free.vgpus': amounts.vgpus,
            rev: 1,
          },
        },
      )
      .exec();
  }

  async remove(id: string): Promise<boolean> {
    const result = await this.model.deleteOne({ _id: id }).exec();
    return result.deletedCount > 0;
  }
}

function toWorker(doc: WorkerRecord): Worker {
  return {
    id: doc._id,
    host: doc.host,
    ip: doc.ip ?? '',
    port: doc.port ?? '',
    architecture: doc.architecture ?? '',
    facts: doc.facts ?? {},
    virtualization: doc.virtualization ?? [],
    labels: doc.labels ?? {},
    capacity: doc.capacity,
    free: doc.free,
    rev: doc.rev ?? 0,
    link_status: doc.link_status ?? 'online',
    last_seen: doc.last_seen,
    registered_at: doc.registered_at,
    mqtt_username: doc.mqtt_username ?? '',
    ...(typeof doc.wg_public_key === 'string' ? { wg_public_key: doc.wg_public_key } : {}),
    ...(typeof doc.tunnel_port === 'number' ? { tunnel_port: doc.tunnel_port } : {}),
  };
}
