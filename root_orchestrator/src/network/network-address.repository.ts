import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { isObjectIdHex } from '../common/http/object-id';
import { isDuplicateKeyError } from '../common/persistence/mongo-errors';
import type { IpFamily } from './ip-address';
import { type AddressClaim, AddressKind, type AddressOwner } from './network-address.model';
import {
  type NetworkAddressDocument,
  NetworkAddressRecord,
  PoolCursorRecord,
} from './network-address.schema';

export interface NewClaim extends AddressOwner {
  family: IpFamily;
  address: string;
  pool: string;
}

/**
 * The only code touching `network_addresses` and `network_pool_cursors`. Every write is a single
 * document operation (FerretDB v1: no transactions): claim = insert (the unique index decides),
 * release = delete.
 */
@Injectable()
export class NetworkAddressRepository implements OnModuleInit {
  constructor(
    @InjectModel(NetworkAddressRecord.name) private readonly model: Model<NetworkAddressRecord>,
    @InjectModel(PoolCursorRecord.name) private readonly cursors: Model<PoolCursorRecord>,
  ) {}

  async onModuleInit(): Promise<void> {
    // The unique index must exist before the first claim, or two claims of one address could
    // both succeed.
    await this.model.init();
    await this.cursors.init();
  }

  /** Inserts the claim; null when the address is already claimed (duplicate key). */
  async tryClaim(claim: NewClaim): Promise<AddressClaim | null> {
    const _id = new Types.ObjectId();
    const document = { _id, ...definedOnly(claim), claimed_at: new Date() };
    try {
      await this.model.collection.insertOne(document);
    } catch (error) {
      if (isDuplicateKeyError(error)) return null;
      throw error;
    }
    return toClaim(document as NetworkAddressDocument);
  }

  /** Which of `addresses` (canonical text) are claimed. */
  async takenAmong(family: IpFamily, addresses: readonly string[]): Promise<Set<string>> {
    if (addresses.length === 0) return new Set();
    const docs = await this.model
      .find({ family, address: { $in: [...addresses] } }, { address: 1 })
      .lean<{ address: string }[]>()
      .exec();
    return new Set(docs.map((d) => d.address));
  }

  /** Claims made before `date` (candidates for the orphan sweep). */
  async findClaimedBefore(date: Date): Promise<AddressClaim[]> {
    const docs = await this.model
      .find({ claimed_at: { $lt: date } })
      .lean<NetworkAddressDocument[]>()
      .exec();
    return docs.map(toClaim);
  }

  /** Records which instance holds an instance address (a claim is made before the number is known). */
  async setInstanceNumber(claimId: string, instanceNumber: number): Promise<void> {
    if (!isObjectIdHex(claimId)) return;
    await this.model.collection.updateOne(
      { _id: new Types.ObjectId(claimId) },
      { $set: { instance_number: instanceNumber } },
    );
  }

  async deleteByIds(ids: readonly string[]): Promise<number> {
    const valid = ids.filter(isObjectIdHex).map((id) => new Types.ObjectId(id));
    if (valid.length === 0) return 0;
    const result = await this.model.collection.deleteMany({ _id: { $in: valid } });
    return result.deletedCount;
  }

  /** Releases every address (service and instance) of these services. */
  async deleteOfServices(serviceIds: readonly string[]): Promise<number> {
    if (serviceIds.length === 0) return 0;
    const result = await this.model.deleteMany({ service_id: { $in: [...serviceIds] } }).exec();
    return result.deletedCount;
  }

  /** Releases these instance addresses of one service (and nothing another service holds). */
  async deleteInstanceAddresses(
    serviceId: string,
    family: IpFamily,
    addresses: readonly string[],
  ): Promise<number> {
    if (addresses.length === 0) return 0;
    const result = await this.model
      .deleteMany({
        service_id: serviceId,
        kind: AddressKind.INSTANCE,
        family,
        address: { $in: [...addresses] },
      })
      .exec();
    return result.deletedCount;
  }

  async loadCursor(pool: string): Promise<string | null> {
    const doc = await this.cursors.findById(pool).lean<{ last?: unknown }>().exec();
    return typeof doc?.last === 'string' ? doc.last : null;
  }

  async saveCursor(pool: string, last: string): Promise<void> {
    await this.cursors
      .updateOne({ _id: pool }, { $set: { last, updated_at: new Date() } }, { upsert: true })
      .exec();
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function toClaim(doc: NetworkAddressDocument): AddressClaim {
  return {
    id: doc._id.toHexString(),
    family: doc.family === 6 ? 6 : 4,
    address: doc.address,
    pool: doc.pool,
    kind: doc.kind === AddressKind.INSTANCE ? AddressKind.INSTANCE : AddressKind.SERVICE,
    service_id: doc.service_id,
    ...(doc.ip_type === 'RR' || doc.ip_type === 'closest' ? { ip_type: doc.ip_type } : {}),
    ...(typeof doc.instance_number === 'number' ? { instance_number: doc.instance_number } : {}),
    claimed_at: doc.claimed_at,
  };
}
