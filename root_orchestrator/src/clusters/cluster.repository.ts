import type { ResourceAggregate, TunnelPeer } from '@canopy/contracts/grpc';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { isObjectIdHex } from '../common/http/object-id';
import { isDuplicateKeyError } from '../common/persistence/mongo-errors';
import type { Cluster, ClusterDetails, ClusterReportState } from './cluster.model';
import { type ClusterDocument, ClusterRecord } from './cluster.schema';

/** A cluster with this name exists already (the unique index refused the write). */
export class DuplicateClusterNameError extends Error {}

/** The only code touching the `clusters` collection. */
@Injectable()
export class ClusterRepository implements OnModuleInit {
  constructor(@InjectModel(ClusterRecord.name) private readonly model: Model<ClusterRecord>) {}

  async onModuleInit(): Promise<void> {
    await this.model.init(); // unique cluster_name
  }

  newId(): string {
    return new Types.ObjectId().toHexString();
  }

  async insert(
    id: string,
    details: ClusterDetails,
    secretHash: string,
    joinTokenId: string,
    now: Date,
  ): Promise<Cluster> {
    try {
      await this.model.collection.insertOne({
        _id: new Types.ObjectId(id),
        ...details,
        secret_hash: secretHash,
        join_token_id: joinTokenId,
        registered_at: now,
        updated_at: now,
        connected: false,
        session_id: null,
        connected_at: null,
        disconnected_at: null,
        last_report_at: null,
        report_interval_ms: 0,
        aggregate: null,
        aggregation_per_architecture: {},
        reported_instances: [],
        worker_subnet_pool: '',
        tunnel_peers: [],
        network_problem: null,
        active: false,
        inactive_since: null,
      });
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new DuplicateClusterNameError(details.cluster_name);
      throw error;
    }
    const stored = await this.findById(id);
    if (!stored) throw new Error(`cluster ${id} vanished right after its insert`);
    return stored;
  }

  async findById(id: string): Promise<Cluster | null> {
    if (!isObjectIdHex(id)) return null;
    const doc = await this.model.findById(id).lean<ClusterDocument>().exec();
    return doc ? toCluster(doc) : null;
  }

  async findByName(name: string): Promise<Cluster | null> {
    const doc = await this.model.findOne({ cluster_name: name }).lean<ClusterDocument>().exec();
    return doc ? toCluster(doc) : null;
  }

  async list(): Promise<Cluster[]> {
    const docs = await this.model.find().sort({ cluster_name: 1 }).lean<ClusterDocument[]>().exec();
    return docs.map(toCluster);
  }

  /** Re-registration: the details may change (location, ports, address, even the name). */
  async updateDetails(id: string, details: ClusterDetails, now: Date): Promise<Cluster | null> {
    try {
      await this.model.updateOne({ _id: id }, { $set: { ...details, updated_at: now } }).exec();
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new DuplicateClusterNameError(details.cluster_name);
      throw error;
    }
    return this.findById(id);
  }

  async markConnected(
    id: string,
    sessionId: string,
    reportIntervalMs: number,
    workerSubnetPool: string,
    now: Date,
  ): Promise<void> {
    await this.model
      .updateOne(
        { _id: id },
        {
          $set: {
            connected: true,
            session_id: sessionId,
            connected_at: now,
            disconnected_at: null,
            report_interval_ms: reportIntervalMs,
            worker_subnet_pool: workerSubnetPool,
          },
        },
      )
      .exec();
  }

  /** Only if `sessionId` is still the cluster's session (a newer one may have replaced it). */
  async markDisconnected(id: string, sessionId: string, now: Date): Promise<boolean> {
    const result = await this.model
      .updateOne(
        { _id: id, session_id: sessionId },
        { $set: { connected: false, session_id: null, disconnected_at: now } },
      )
      .exec();
    return result.modifiedCount > 0;
  }

  /** Stores a report of the current session; false when the session was replaced meanwhile. */
  async recordReport(
    id: string,
    sessionId: string,
    report: ClusterReportState,
    now: Date,
  ): Promise<boolean> {
    const result = await this.model
      .updateOne(
        { _id: id, session_id: sessionId },
        { $set: { ...report, last_report_at: now, connected: true } },
      )
      .exec();
    return result.matchedCount > 0;
  }

  /** Records the worker subnet pool the root assigned the cluster. */
  async setWorkerSubnetPool(id: string, pool: string): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { worker_subnet_pool: pool } }).exec();
  }

  /** Records (or clears, null) why the cluster is kept out of the hierarchy's network. */
  async setNetworkProblem(id: string, problem: string | null): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { network_problem: problem } }).exec();
  }

  async delete(id: string): Promise<boolean> {
    if (!isObjectIdHex(id)) return false;
    const result = await this.model.deleteOne({ _id: id }).exec();
    return result.deletedCount > 0;
  }

  async setLiveness(id: string, active: boolean, inactiveSince: Date | null): Promise<void> {
    await this.model
      .updateOne({ _id: id }, { $set: { active, inactive_since: inactiveSince } })
      .exec();
  }
}

function toCluster(doc: ClusterDocument): Cluster {
  return {
    id: doc._id.toHexString(),
    cluster_name: doc.cluster_name,
    cluster_location: doc.cluster_location ?? '',
    ip: doc.ip ?? '',
    port: doc.port ?? 0,
    network_component_port: doc.network_component_port ?? 0,
    cluster_info: doc.cluster_info ?? {},
    secret_hash: doc.secret_hash,
    join_token_id: doc.join_token_id ?? '',
    registered_at: doc.registered_at,
    updated_at: doc.updated_at,
    connected: doc.connected === true,
    session_id: doc.session_id ?? null,
    connected_at: doc.connected_at ?? null,
    disconnected_at: doc.disconnected_at ?? null,
    last_report_at: doc.last_report_at ?? null,
    report_interval_ms: doc.report_interval_ms ?? 0,
    aggregate: (doc.aggregate as ResourceAggregate | null) ?? null,
    aggregation_per_architecture: (doc.aggregation_per_architecture ?? {}) as unknown as Record<
      string,
      ResourceAggregate
    >,
    reported_instances: doc.reported_instances ?? [],
    worker_subnet_pool: doc.worker_subnet_pool ?? '',
    tunnel_peers: (doc.tunnel_peers ?? []) as unknown as TunnelPeer[],
    network_problem: doc.network_problem ?? null,
    active: doc.active === true,
    inactive_since: doc.inactive_since ?? null,
  };
}
