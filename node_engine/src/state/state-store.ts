import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { ClassConstructor } from 'class-transformer';
import type { Logger } from 'pino';
import { ControlDeployDto, validateDto, type NetPeerDto } from '@canopy/contracts';
import {
  EMPTY_DESIRED_SET,
  pruneTombstones,
  type DesiredRecord,
  type DesiredSet,
  type Tombstone,
} from '../desired/desired-set';
import { instanceKey, toInstanceSpec, type InstanceKey } from '../desired/instance-spec';
import { removeStaleTempFiles, writeFileAtomic } from './atomic-file';
import {
  CredentialsFile,
  DesiredFile,
  IdentityFile,
  NetworkFile,
  STATE_FILE_VERSION,
  StatusFile,
  type InstanceStatusEntry,
} from './state-files.dto';

/** File names inside the state dir (see node_engine/README.md, "State dir"). */
export const StateFileName = {
  IDENTITY: 'identity.json',
  CREDENTIALS: 'credentials.json',
  DESIRED: 'desired.json',
  STATUS: 'status.json',
  PID: 'agent.pid',
  NETWORK: 'network.json',
} as const;

export interface Identity {
  nodeId: string;
  nodeName: string;
  clusterAddress: string;
  clusterPort: number;
  mqttBrokerPort: number;
  registeredAt: string;
  /** The worker's subnet from the cluster (CIDR); absent from clusters that assign none. */
  subnetwork?: string;
}

export interface Credentials {
  nodeId: string;
  mqttUsername?: string;
  mqttPassword?: string;
}

export type LoadResult<T> =
  | { state: 'missing' }
  | { state: 'ok'; value: T }
  | { state: 'corrupt'; reason: string; movedTo?: string };

export interface LoadedDesired {
  set: DesiredSet;
  nodeId: string;
  /** Entries that failed validation and were dropped (each logged). */
  dropped: string[];
}

/** network.json (see NetworkFile): secrets included, never log it. */
export interface NetworkStateRecord {
  privateKey: string;
  publicKey: string;
  subnet?: string;
  /** Instance key → namespace IP. */
  namespaceIps: Record<string, string>;
  peersRevision?: number;
  peers: NetPeerDto[];
}

export interface StatusSnapshot {
  lastReportAt?: string;
  mqttConnectedAt?: string;
  instances: InstanceStatusEntry[];
}

/**
 * The worker's local state: identity, broker credentials, desired instance set and last reported
 * statuses, one JSON file each in `state_dir` (mode 0700).
 *
 * INVARIANTS: every write is atomic (temp file + fsync + rename + directory fsync), so a crash
 * leaves the old or the new file. A file that does not parse or validate is never half-used: in
 * `quarantine` mode (the agent) it is renamed to `<name>.corrupt-<time>` and an error saying so
 * is logged; read-only callers (the `status` command) only report it.
 */
export class StateStore {
  constructor(
    readonly dir: string,
    private readonly logger?: Logger,
    private readonly options: { quarantine: boolean } = { quarantine: true },
  ) {}

  path(name: string): string {
    return join(this.dir, name);
  }

  /** Creates the directory (0700) and removes temp files an interrupted write left behind. */
  async init(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const stale = await removeStaleTempFiles(this.dir);
    if (stale.length > 0) {
      this.logger?.warn({ files: stale }, 'removed temp files of an interrupted state write');
    }
  }

  // ---------------------------------------------------------------------------- identity

  async readIdentity(): Promise<LoadResult<Identity>> {
    const loaded = await this.readFile(StateFileName.IDENTITY, IdentityFile);
    if (loaded.state !== 'ok') return loaded;
    const f = loaded.value;
    return {
      state: 'ok',
      value: {
        nodeId: f.node_id,
        nodeName: f.node_name,
        clusterAddress: f.cluster_address,
        clusterPort: f.cluster_port,
        mqttBrokerPort: f.mqtt_broker_port,
        registeredAt: f.registered_at,
        ...(f.subnetwork !== undefined ? { subnetwork: f.subnetwork } : {}),
      },
    };
  }

  writeIdentity(identity: Identity): Promise<void> {
    const file: IdentityFile = {
      version: STATE_FILE_VERSION,
      node_id: identity.nodeId,
      node_name: identity.nodeName,
      cluster_address: identity.clusterAddress,
      cluster_port: identity.clusterPort,
      mqtt_broker_port: identity.mqttBrokerPort,
      registered_at: identity.registeredAt,
      ...(identity.subnetwork !== undefined ? { subnetwork: identity.subnetwork } : {}),
    };
    return this.writeJson(StateFileName.IDENTITY, file, 0o644);
  }

  // ------------------------------------------------------------------------- credentials

  async readCredentials(): Promise<LoadResult<Credentials>> {
    const loaded = await this.readFile(StateFileName.CREDENTIALS, CredentialsFile);
    if (loaded.state !== 'ok') return loaded;
    const f = loaded.value;
    return {
      state: 'ok',
      value: { nodeId: f.node_id, mqttUsername: f.mqtt_username, mqttPassword: f.mqtt_password },
    };
  }

  writeCredentials(credentials: Credentials): Promise<void> {
    const file: CredentialsFile = {
      version: STATE_FILE_VERSION,
      node_id: credentials.nodeId,
      mqtt_username: credentials.mqttUsername,
      mqtt_password: credentials.mqttPassword,
    };
    return this.writeJson(StateFileName.CREDENTIALS, file, 0o600);
  }

  // ----------------------------------------------------------------------------- desired

  async readDesired(): Promise<LoadResult<LoadedDesired>> {
    const loaded = await this.readFile(StateFileName.DESIRED, DesiredFile);
    if (loaded.state !== 'ok') return loaded;
    const instances = new Map<InstanceKey, DesiredRecord>();
    const dropped: string[] = [];
    for (const [index, entry] of loaded.value.instances.entries()) {
      const result = validateDto(ControlDeployDto, entry.deploy);
      if (!result.ok) {
        const why = result.errors.map((e) => `${e.path || '(entry)'}: ${e.message}`).join('; ');
        dropped.push(`instances[${index}]: ${why}`);
        continue;
      }
      const spec = toInstanceSpec(result.value);
      instances.set(instanceKey(spec.job_name, spec.instance_number), {
        spec,
        receivedAt: entry.received_at,
        finished: entry.finished && {
          status: entry.finished.status,
          exitCode: entry.finished.exit_code,
          at: entry.finished.at,
        },
      });
    }
    if (dropped.length > 0) {
      this.logger?.error(
        { file: this.path(StateFileName.DESIRED), dropped },
        'desired set: dropped entries that are not valid deploy messages',
      );
    }
    const tombstones = new Map<InstanceKey, Tombstone>(
      loaded.value.tombstones.map((t) => [
        t.key,
        {
          generation: t.generation,
          at: t.at,
          ...(t.service_id !== undefined ? { serviceId: t.service_id } : {}),
        },
      ]),
    );
    return {
      state: 'ok',
      value: { set: { instances, tombstones }, nodeId: loaded.value.node_id, dropped },
    };
  }

  writeDesired(set: DesiredSet, nodeId: string, now = new Date()): Promise<void> {
    const file: DesiredFile = {
      version: STATE_FILE_VERSION,
      node_id: nodeId,
      instances: [...set.instances.values()].map((r) => ({
        deploy: r.spec as unknown as Record<string, unknown>,
        received_at: r.receivedAt,
        finished: r.finished && {
          status: r.finished.status,
          exit_code: r.finished.exitCode,
          at: r.finished.at,
        },
      })),
      tombstones: [...pruneTombstones(new Map(set.tombstones), now)].map(([key, t]) => ({
        key,
        generation: t.generation,
        at: t.at,
        ...(t.serviceId !== undefined ? { service_id: t.serviceId } : {}),
      })),
    };
    return this.writeJson(StateFileName.DESIRED, file, 0o600);
  }

  clearDesired(nodeId: string): Promise<void> {
    return this.writeDesired(EMPTY_DESIRED_SET, nodeId);
  }

  // ------------------------------------------------------------------------------ status

  async readStatus(): Promise<LoadResult<StatusSnapshot>> {
    const loaded = await this.readFile(StateFileName.STATUS, StatusFile);
    if (loaded.state !== 'ok') return loaded;
    return {
      state: 'ok',
      value: {
        lastReportAt: loaded.value.last_report_at,
        mqttConnectedAt: loaded.value.mqtt_connected_at,
        instances: loaded.value.instances,
      },
    };
  }

  writeStatus(snapshot: StatusSnapshot): Promise<void> {
    const file: StatusFile = {
      version: STATE_FILE_VERSION,
      last_report_at: snapshot.lastReportAt,
      mqtt_connected_at: snapshot.mqttConnectedAt,
      instances: snapshot.instances,
    };
    return this.writeJson(StateFileName.STATUS, file, 0o644);
  }

  // ----------------------------------------------------------------------------- network

  async readNetwork(): Promise<LoadResult<NetworkStateRecord>> {
    const loaded = await this.readFile(StateFileName.NETWORK, NetworkFile);
    if (loaded.state !== 'ok') return loaded;
    const f = loaded.value;
    return {
      state: 'ok',
      value: {
        privateKey: f.private_key,
        publicKey: f.public_key,
        ...(f.subnet !== undefined ? { subnet: f.subnet } : {}),
        namespaceIps: Object.fromEntries(f.namespace_ips.map((e) => [e.key, e.ip])),
        ...(f.peers_revision !== undefined ? { peersRevision: f.peers_revision } : {}),
        peers: f.peers.map((p) => ({ ...p })),
      },
    };
  }

  /** Mode 0600: holds the WireGuard private key. */
  writeNetwork(record: NetworkStateRecord): Promise<void> {
    const file: NetworkFile = {
      version: STATE_FILE_VERSION,
      private_key: record.privateKey,
      public_key: record.publicKey,
      ...(record.subnet !== undefined ? { subnet: record.subnet } : {}),
      namespace_ips: Object.entries(record.namespaceIps)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, ip]) => ({ key, ip })),
      ...(record.peersRevision !== undefined ? { peers_revision: record.peersRevision } : {}),
      peers: record.peers,
    };
    return this.writeJson(StateFileName.NETWORK, file, 0o600);
  }

  async hasNetworkFile(): Promise<boolean> {
    return fs
      .access(this.path(StateFileName.NETWORK))
      .then(() => true)
      .catch(() => false);
  }

  // --------------------------------------------------------------------------- pid file

  async readPid(): Promise<number | undefined> {
    try {
      const text = await fs.readFile(this.path(StateFileName.PID), 'utf8');
      const pid = Number(text.trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  writePid(pid: number): Promise<void> {
    return writeFileAtomic(this.path(StateFileName.PID), `${pid}\n`, { mode: 0o644 });
  }

  async removePid(pid: number): Promise<void> {
    // Only our own pid file: a second agent that took over must keep its file.
    if ((await this.readPid()) === pid) {
      await fs.unlink(this.path(StateFileName.PID)).catch(() => undefined);
    }
  }

  // ----------------------------------------------------------------------------- helpers

  private async writeJson(name: string, value: unknown, mode: number): Promise<void> {
    await writeFileAtomic(this.path(name), `${JSON.stringify(value, null, 2)}\n`, { mode });
  }

  private async readFile<T extends object>(
    name: string,
    dto: ClassConstructor<T>,
  ): Promise<LoadResult<T>> {
    const path = this.path(name);
    let text: string;
    try {
      text = await fs.readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
      return this.corrupt(name, `cannot be read: ${(error as Error).message}`, false);
    }
    let plain: unknown;
    try {
      plain = JSON.parse(text);
    } catch (error) {
      return this.corrupt(name, `is not valid JSON (${(error as Error).message})`);
    }
    const result = validateDto(dto, plain, { forbidUnknown: false });
    if (!result.ok) {
      const why = result.errors
        .slice(0, 5)
        .map((e) => `${e.path || '(file)'}: ${e.message}`)
        .join('; ');
      return this.corrupt(name, `has an invalid shape (${why})`);
    }
    return { state: 'ok', value: result.value };
  }

  private async corrupt<T>(name: string, reason: string, movable = true): Promise<LoadResult<T>> {
    const path = this.path(name);
    if (!this.options.quarantine || !movable) {
      this.logger?.error({ file: path, reason }, `state file ${path} ${reason}`);
      return { state: 'corrupt', reason };
    }
    const movedTo = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      await fs.rename(path, movedTo);
    } catch (error) {
      this.logger?.error(
        { file: path, reason, error: (error as Error).message },
        `state file ${path} ${reason}, and it could not be moved aside`,
      );
      return { state: 'corrupt', reason };
    }
    this.logger?.error(
      { file: path, reason, movedTo },
      `state file ${path} ${reason}; moved it to ${movedTo} and continuing without it`,
    );
    return { state: 'corrupt', reason, movedTo };
  }
}
