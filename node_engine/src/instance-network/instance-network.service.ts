import type { Logger } from 'pino';
import {
  ipv4ToNumber,
  NetPeersDto,
  parsePortMappings,
  TunnelBackend,
  type NetPeerDto,
  type NetServiceEntryDto,
  type NetServiceDeployedDto,
  type NetServiceUndeployedDto,
  type PortMapping,
} from '@canopy/contracts';
import { instanceKey, type InstanceKey } from '../desired/instance-spec';
import {
  cidrContains,
  DesiredStateError,
  gatewayOf,
  generateWireguardKeyPair,
  parseCidr,
  TUNNEL_FAILURE_KEY,
  type CommandRunner,
  type InstanceNetwork,
  type NetManager,
  type ServiceCounters,
  type ServiceRoute,
  type TunnelPeer,
  type WorkerNetworkState,
} from '../network';
import type { ObservedContainer } from '../reconcile/reconcile.types';
import type { ContainerNetns } from '../runtime/docker-runtime.driver';
import type { NetworkStateRecord, StateStore } from '../state/state-store';
import { NamespaceIpAllocator } from './namespace-ip.allocator';
import { mergeServiceTables, tableAddresses, type QueriedService } from './query-table';
import { changedChoices, closestChoices } from './rtt-estimate';
import type { RttTarget } from './rtt.prober';
import {
  decideRevisioned,
  decideServices,
  type RevisionedDecision,
  serviceRoutesOf,
  type RttLookup,
} from './service-table';

/**
 * What the worker tells the cluster about its instances' namespaces (Oakestra's net manager
 * topics `net/service/deployed|undeployed`); the agent publishes them on its MQTT link.
 */
export type ServiceNetReport =
  | { kind: 'deployed'; body: NetServiceDeployedDto }
  | { kind: 'undeployed'; body: NetServiceUndeployedDto };

/** What the service needs of the container runtime (DockerRuntimeDriver). */
export interface NetnsSource {
  list(): Promise<ObservedContainer[]>;
  netns(containerId: string): Promise<ContainerNetns | undefined>;
}

export interface InstanceNetworkOptions {
  net: NetManager;
  store: StateStore;
  /** Runs `wg genkey`/`wg pubkey` (the net manager's runner). */
  runner: CommandRunner;
  backend: TunnelBackend;
  logger: Logger;
  /** Least time between two attempts to bring a failed data plane up again. */
  retryMs?: number;
}

export interface NetworkStartParams {
  nodeId: string;
  /** The worker subnet from the registration; undefined = the cluster assigned none. */
  subnet: string | undefined;
  underlayAddress: string;
  source: NetnsSource;
}

/** How an instance's network is derived from its container's `io.canopy.spec` label. */
export interface SpecNetworkFields {
  key: InstanceKey;
  ports: PortMapping[];
  instanceIp?: string;
}

/** Reads the key, port mappings and InstanceIP from a container's spec label; undefined if unusable. */
export function specNetworkFields(specLabel: string | undefined): SpecNetworkFields | undefined {
  if (specLabel === undefined) return undefined;
  let spec: unknown;
  try {
    spec = JSON.parse(specLabel);
  } catch {
    return undefined;
  }
  if (typeof spec !== 'object' || spec === null) return undefined;
  const s = spec as Record<string, unknown>;
  if (typeof s['job_name'] !== 'string' || typeof s['instance_number'] !== 'number')
    return undefined;
  const ports = parsePortMappings(typeof s['port'] === 'string' ? s['port'] : '');
  const fields: SpecNetworkFields = {
    key: instanceKey(s['job_name'], s['instance_number']),
    ports: ports.ok ? ports.mappings : [],
  };
  const ip = s['instance_ip'];
  if (typeof ip === 'string' && ip !== '') fields.instanceIp = ip;
  return fields;
}

export type PeersDecision = RevisionedDecision<{ peers: NetPeerDto[] }>;

/** A `nodes/<id>/net/peers` payload (see decideRevisioned); the worker itself is dropped. */
export function decidePeers(
  payload: Uint8Array | string,
  nodeId: string,
  lastRevision: number | undefined,
): PeersDecision {
  return decideRevisioned(NetPeersDto, payload, lastRevision, (v) => ({
    peers: v.peers.filter((p) => p.id !== nodeId),
  }));
}

export function toTunnelPeer(peer: NetPeerDto): TunnelPeer {
  const out: TunnelPeer = {
    id: peer.id,
    subnet: peer.subnet,
    endpoint: peer.endpoint,
    port: peer.port,
  };
  if (peer.public_key !== undefined) out.publicKey = peer.public_key;
  return out;
}

interface Attachment {
  containerId: string;
  startedAt?: number;
  netnsPath: string;
}

/**
 * The agent's side of the worker data plane (config `network.enabled`): owns the tunnel key pair
 * and the namespace IPs (network.json), hands the net manager the desired state built from the
 * running containers, attaches a container's namespace after each start (a restarted container
 * has a new namespace), detaches on removal, and applies the peer lists the cluster publishes.
 *
 * Attaching never fails a start: a container whose namespace could not be attached is retried on
 * every reconcile pass (`syncObserved`), which also adopts running containers after an agent
 * restart without restarting them.
 */
export class InstanceNetworkService {
  private record: NetworkStateRecord | undefined;
  private allocator: NamespaceIpAllocator | undefined;
  private params: NetworkStartParams | undefined;
  private ready = false;
  private notReadyReason = 'not started';
  private lastStartAttempt = 0;
  private starting: Promise<void> | undefined;
  private readonly attached = new Map<InstanceKey, Attachment>();
  private readonly attachErrors = new Map<InstanceKey, string>();
  /** DNAT routes of the effective service table (kept while the data plane is down). */
  private serviceRoutes: ServiceRoute[] = [];
  private servicesRevision: number | undefined;
  /** The cluster's own table (`net/services`). */
  private clusterServices: NetServiceEntryDto[] = [];
  /** Services of other clusters learnt by table queries (ServiceInterests). */
  private queried: QueriedService[] = [];
  private rttOf: RttLookup = () => undefined;
  private reportSink: ((report: ServiceNetReport) => void) | undefined;
  private writes: Promise<void> = Promise.resolve();
  private readonly logger: Logger;

  constructor(private readonly options: InstanceNetworkOptions) {
    this.logger = options.logger;
  }

  get net(): NetManager {
    return this.options.net;
  }

  get isReady(): boolean {
    return this.ready;
  }

  get publicKey(): string | undefined {
    return this.record?.publicKey;
  }

  /** Where `net/service/deployed|undeployed` reports go (the agent's MQTT link). */
  setReportSink(sink: (report: ServiceNetReport) => void): void {
    this.reportSink = sink;
  }

  /**
   * Reports every attached instance as deployed again: after a (re)connection the cluster may
   * have missed reports (a report while offline is lost), and a repeated report changes nothing.
   */
  republishReports(): void {
    for (const key of this.attached.keys()) this.reportDeployed(key);
  }

  /** Namespace IP of an instance (tests, status). */
  namespaceIp(key: InstanceKey): string | undefined {
    return this.allocator?.get(key);
  }

  /** Loads network.json, generating and storing the WireGuard key pair the first time. */
  async loadKeys(): Promise<string> {
    if (this.record) return this.record.publicKey;
    const loaded = await this.options.store.readNetwork();
    if (loaded.state === 'ok') {
      this.record = loaded.value;
    } else {
      const keys = await generateWireguardKeyPair(this.options.runner);
      this.record = {
        privateKey: keys.privateKey,
        publicKey: keys.publicKey,
        namespaceIps: {},
        peers: [],
      };
      await this.persist();
      this.logger.info('generated the WireGuard key pair of this worker (network.json)');
    }
    return this.record.publicKey;
  }

  /**
   * Brings the data plane up for the running containers (agent start, new subnet): one
   * NetManager.reconcile with the subnet, underlay address, key, last known peers and every
   * running container's namespace. Containers are not restarted. Never throws: a failure is
   * logged and retried from syncObserved.
   */
  start(params: NetworkStartParams): Promise<void> {
    this.params = params;
    this.starting = this.doStart().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async doStart(): Promise<void> {
    const params = this.params;
    if (!params) return;
    this.lastStartAttempt = Date.now();
    this.ready = false;
    try {
      await this.loadKeys();
      const record = this.requireRecord();
      if (params.subnet === undefined || params.subnet === '') {
        this.notReadyReason = 'the cluster assigned this worker no subnet';
        this.logger.error(
          'network.enabled, but the cluster assigned this worker no subnet: instances get no network',
        );
        return;
      }
      const sameSubnet = record.subnet === params.subnet;
      this.allocator = new NamespaceIpAllocator(
        params.subnet,
        sameSubnet ? record.namespaceIps : {},
      );
      record.subnet = params.subnet;
      const instances: InstanceNetwork[] = [];
      const attachments = new Map<InstanceKey, Attachment>();
      for (const c of await params.source.list()) {
        if (c.state !== 'running' || c.key === undefined) continue;
        const netns = await params.source.netns(c.id);
        const fields = specNetworkFields(netns?.specLabel);
        if (!netns || !fields) continue;
        instances.push(this.instanceNetwork(fields, netns));
        attachments.set(fields.key, this.attachment(c.id, netns));
      }
      const base: WorkerNetworkState = {
        subnet: params.subnet,
        underlayAddress: params.underlayAddress,
        ...(this.options.backend === TunnelBackend.WIREGUARD
          ? { privateKey: record.privateKey }
          : {}),
        peers: record.peers.map(toTunnelPeer),
        instances: [],
        services: [],
      };
      const problems = this.net.validate(base);
      if (problems.length > 0) {
        // Stored peers the net manager refuses must not keep the worker's own network down.
        this.logger.error({ problems }, 'stored tunnel peers refused; starting without peers');
        base.peers = [];
      }
      const accepted = { ...base, instances: this.acceptable(base, instances) };
      const report = await this.net.reconcile({
        ...accepted,
        services: this.acceptableRoutes(accepted, this.serviceRoutes),
      });
      this.attached.clear();
      const failed = new Set(report.failures.map((f) => f.key));
      for (const [key, a] of attachments) if (!failed.has(key)) this.attached.set(key, a);
      for (const f of report.failures) {
        this.logger.error(
          { instance: f.key === TUNNEL_FAILURE_KEY ? undefined : f.key, error: f.error },
          f.key === TUNNEL_FAILURE_KEY ? 'tunnel setup failed' : 'instance network failed',
        );
      }
      this.ready = true;
      this.notReadyReason = '';
      this.logger.info(
        {
          subnet: params.subnet,
          underlay: params.underlayAddress,
          peers: record.peers.length,
          instances: [...this.attached.keys()],
          wireguard: this.net.wireguardImplementation,
        },
        'worker network up',
      );
      await this.persist();
      // Adopted instances: the cluster may not know their namespace IPs (new subnet, lost DB).
      this.republishReports();
    } catch (error) {
      this.notReadyReason = (error as Error).message;
      this.logger.error({ error: this.notReadyReason }, 'worker network could not be set up');
    }
  }

  /** Brings the data plane up again if it is down (rate-limited); resolves when tried. */
  private async ensureReady(): Promise<boolean> {
    if (this.ready) return true;
    if (this.starting) await this.starting;
    else if (this.params && Date.now() - this.lastStartAttempt >= (this.options.retryMs ?? 30_000))
      await this.start(this.params);
    return this.ready;
  }

  /** After a container started (created or restarted): attach its (new) namespace. Never throws. */
  async afterStart(containerId: string): Promise<void> {
    try {
      if (!(await this.ensureReady())) {
        this.logger.error(
          { container: containerId, reason: this.notReadyReason },
          'worker network not ready: container started without network',
        );
        return;
      }
      await this.attachContainer(containerId);
    } catch (error) {
      this.logger.error(
        { container: containerId, error: (error as Error).message },
        'network attach failed; retrying on the next reconcile pass',
      );
    }
  }

  /**
   * Every reconcile pass: running containers whose namespace is not attached (adopted after a
   * restart the agent did not make, or a failed attach) are attached. Never throws.
   */
  async syncObserved(observed: readonly ObservedContainer[]): Promise<void> {
    if (!(await this.ensureReady().catch(() => false))) return;
    for (const c of observed) {
      if (c.state !== 'running' || c.key === undefined) continue;
      const a = this.attached.get(c.key);
      if (a && a.containerId === c.id && a.startedAt === c.startedAt) continue;
      try {
        await this.attachContainer(c.id);
        this.attachErrors.delete(c.key);
      } catch (error) {
        const message = (error as Error).message;
        if (this.attachErrors.get(c.key) !== message) {
          this.attachErrors.set(c.key, message);
          this.logger.error({ instance: c.key, error: message }, 'network attach failed');
        }
      }
    }
  }

  /** Attaches a running container's namespace (allocating its namespace IP). */
  async attachContainer(containerId: string): Promise<InstanceNetwork | undefined> {
    const source = this.params?.source;
    if (!source || !this.ready) throw new Error(`worker network not ready: ${this.notReadyReason}`);
    const netns = await source.netns(containerId);
    if (!netns) return undefined; // not running (any more): the next start attaches
    const fields = specNetworkFields(netns.specLabel);
    if (!fields) throw new Error(`container ${containerId} has no readable io.canopy.spec label`);
    const instance = this.instanceNetwork(fields, netns);
    try {
      await this.net.attach(instance);
    } catch (error) {
      // An InstanceIP the net manager refuses (outside the service pool, taken) must not cost
      // the instance its namespace IP and port mappings.
      if (!(error instanceof DesiredStateError) || instance.instanceIp === undefined) throw error;
      this.logger.error(
        { instance: fields.key, instanceIp: instance.instanceIp, error: error.message },
        'InstanceIP refused; attaching without it',
      );
      delete instance.instanceIp;
      await this.net.attach(instance);
    }
    this.attached.set(fields.key, this.attachment(containerId, netns));
    this.logger.info(
      {
        instance: fields.key,
        container: containerId,
        namespaceIp: instance.namespaceIp,
        instanceIp: instance.instanceIp,
        ports: fields.ports.length,
      },
      'instance network attached',
    );
    await this.persist();
    this.reportDeployed(fields.key);
    return instance;
  }

  /** Before a container is removed: detach it if it is the one attached for its instance. */
  async beforeRemove(containerId: string): Promise<void> {
    const entry = [...this.attached].find(([, a]) => a.containerId === containerId);
    if (!entry || !this.net.desired) return;
    const [key] = entry;
    try {
      await this.net.detach(key);
      this.attached.delete(key);
      this.allocator?.release(key);
      this.logger.info({ instance: key, container: containerId }, 'instance network detached');
      await this.persist();
      this.reportUndeployed(key);
    } catch (error) {
      this.logger.error(
        { instance: key, error: (error as Error).message },
        'network detach failed; the next start removes the orphan',
      );
    }
  }

  /** `nodes/<id>/net/peers`: validate, ignore stale revisions, persist, apply. Never throws. */
  async onPeers(payload: Uint8Array | string): Promise<void> {
    const nodeId = this.params?.nodeId;
    if (nodeId === undefined) return;
    await this.loadKeys();
    const record = this.requireRecord();
    const decision = decidePeers(payload, nodeId, record.peersRevision);
    if (!decision.apply) {
      this.logger.warn(
        { reason: decision.reason, bytes: payload.length },
        'net/peers message dropped',
      );
      return;
    }
    const peers = decision.peers.map(toTunnelPeer);
    if (this.ready) {
      try {
        const changes = await this.net.setPeers(peers);
        this.logger.info(
          { revision: decision.revision, peers: peers.map((p) => p.id), changes },
          'tunnel peers applied',
        );
      } catch (error) {
        this.logger.error(
          { revision: decision.revision, error: (error as Error).message },
          'net/peers could not be applied; dropped',
        );
        return;
      }
    }
    record.peers = decision.peers;
    record.peersRevision = decision.revision;
    await this.persist();
  }

  /**
   * `nodes/<id>/net/services`: validate, ignore stale revisions, and make the cluster's service
   * table (merged with the queried services) the DNAT routes, or keep them for when the data
   * plane comes up. Never throws.
   */
  async onServices(payload: Uint8Array | string): Promise<void> {
    const nodeId = this.params?.nodeId;
    if (nodeId === undefined) return;
    const decision = decideServices(payload, this.servicesRevision);
    if (!decision.apply) {
      this.logger.warn(
        { reason: decision.reason, bytes: payload.length },
        'net/services message dropped',
      );
      return;
    }
    this.servicesRevision = decision.revision;
    this.clusterServices = decision.services;
    await this.applyServiceTable({
      revision: decision.revision,
      services: decision.services.map((s) => s.job_name),
    });
  }

  /** The queried services of other clusters (ServiceInterests); re-renders when they change. */
  async setQueried(services: QueriedService[]): Promise<void> {
    this.queried = services;
    await this.applyServiceTable({ queried: services.map((s) => s.jobName) });
  }

  /** Addresses the effective table answers for (cluster and queried services). */
  tableAddresses(): Set<string> {
    return tableAddresses(mergeServiceTables(this.clusterServices, this.queried));
  }

  /** Whether an instance of `jobName` is attached on this worker. */
  hasLocalInstance(jobName: string): boolean {
    return [...this.attached.keys()].some((key) => splitKey(key)?.jobName === jobName);
  }

  /** New connections per service address (DNAT counters); empty while the data plane is down. */
  serviceCounters(): Promise<ServiceCounters> {
    if (!this.ready || this.net.desired === undefined)
      return Promise.resolve({ generation: -1, packets: new Map() });
    return this.net.serviceCounters();
  }

  /** Tunnel peers to measure: each peer's bridge address (its gateway) on its tunnel port. */
  rttTargets(): RttTarget[] {
    const port = this.net.config.tunnel.port;
    return (this.record?.peers ?? []).flatMap((p) => {
      const cidr = parseCidr(p.subnet);
      return cidr ? [{ id: p.id, host: gatewayOf(cidr), port: p.port || port }] : [];
    });
  }

  /** Where `closest` routes get remote RTTs from (the RttProber). */
  setRttLookup(lookup: RttLookup): void {
    this.rttOf = lookup;
  }

  /**
   * After an RTT round: re-renders only if some `closest` address now picks another backend
   * (RTT samples move on every round; the rules only depend on the choice).
   */
  async onRttRound(): Promise<void> {
    const nodeId = this.params?.nodeId;
    if (nodeId === undefined) return;
    const next = this.routesFor(nodeId);
    const isLocal = this.isLocalAddress();
    const changes = changedChoices(
      closestChoices(this.serviceRoutes, isLocal),
      closestChoices(next, isLocal),
    );
    if (changes.length === 0) {
      this.serviceRoutes = next;
      return;
    }
    for (const c of changes) {
      this.logger.info(
        { address: c.address, from: c.from, to: c.to },
        'closest backend changed (measured RTT)',
      );
    }
    await this.applyServiceTable({ reason: 'rtt' });
  }

  private routesFor(nodeId: string): ServiceRoute[] {
    return serviceRoutesOf(
      mergeServiceTables(this.clusterServices, this.queried),
      nodeId,
      this.rttOf,
    );
  }

  private isLocalAddress(): (ip: string) => boolean {
    const subnet = this.params?.subnet === undefined ? null : parseCidr(this.params.subnet);
    return (ip) => subnet !== null && cidrContains(subnet, ip);
  }

  /**
   * Turns the effective table into DNAT routes and applies them (or keeps them for doStart).
   * Routes the net manager refuses (outside the service pool, clashing with a local InstanceIP)
   * are dropped one by one, the rest applied. Never throws.
   */
  private async applyServiceTable(context: Record<string, unknown>): Promise<void> {
    const nodeId = this.params?.nodeId;
    if (nodeId === undefined) return;
    const routes = this.routesFor(nodeId);
    this.serviceRoutes = routes;
    const current = this.net.desired;
    if (!this.ready || current === undefined) return; // doStart applies serviceRoutes
    const accepted = this.acceptableRoutes(current, routes);
    try {
      await this.net.setServices(accepted);
      this.logger.info({ ...context, routes: accepted.length }, 'service routes applied');
    } catch (error) {
      this.logger.error(
        { ...context, error: (error as Error).message },
        'service routes could not be applied',
      );
    }
  }

  /** Removes the whole data plane (`stop --purge`, identity change). */
  async cleanup(): Promise<string[]> {
    this.ready = false;
    this.notReadyReason = 'cleaned up';
    this.attached.clear();
    this.servicesRevision = undefined; // a later identity's cluster starts its own sequence
    this.clusterServices = [];
    this.queried = [];
    this.serviceRoutes = [];
    const changes = await this.net.cleanup();
    if (this.record) {
      this.record.namespaceIps = {};
      this.record.peers = [];
      delete this.record.peersRevision;
      delete this.record.subnet;
      await this.persist();
    }
    return changes;
  }

  /** Instances one by one against the net manager's checks: a bad InstanceIP is dropped, a bad instance skipped. */
  private acceptable(base: WorkerNetworkState, instances: InstanceNetwork[]): InstanceNetwork[] {
    const out: InstanceNetwork[] = [];
    for (const instance of instances) {
      const fits = (i: InstanceNetwork): boolean =>
        this.net.validate({ ...base, instances: [...out, i] }).length === 0;
      if (fits(instance)) {
        out.push(instance);
        continue;
      }
      const { instanceIp, ...withoutIp } = instance;
      if (instanceIp !== undefined && fits(withoutIp)) {
        this.logger.error(
          { instance: instance.key, instanceIp },
          'InstanceIP refused; attaching without it',
        );
        out.push(withoutIp);
        continue;
      }
      this.logger.error(
        {
          instance: instance.key,
          problems: this.net.validate({ ...base, instances: [...out, instance] }),
        },
        'instance network refused',
      );
    }
    return out;
  }

  /** Routes one by one against the net manager's checks: a refused route is logged and left out. */
  private acceptableRoutes(
    base: WorkerNetworkState,
    routes: readonly ServiceRoute[],
  ): ServiceRoute[] {
    const out: ServiceRoute[] = [];
    if (this.net.validate({ ...base, services: [...routes] }).length === 0) return [...routes];
    for (const route of routes) {
      const problems = this.net.validate({ ...base, services: [...out, route] });
      if (problems.length === 0) out.push(route);
      else this.logger.error({ address: route.address, problems }, 'service route refused');
    }
    return out;
  }

  private reportDeployed(key: InstanceKey): void {
    const namespaceIp = this.allocator?.get(key);
    const instance = splitKey(key);
    if (!this.reportSink || !this.params || namespaceIp === undefined || !instance) return;
    this.reportSink({
      kind: 'deployed',
      body: {
        appname: instance.jobName,
        instance_number: instance.instanceNumber,
        nsip: namespaceIp,
        host_ip: this.params.underlayAddress,
        host_port: String(this.net.config.tunnel.port),
      },
    });
  }

  private reportUndeployed(key: InstanceKey): void {
    const instance = splitKey(key);
    if (!this.reportSink || !instance) return;
    this.reportSink({
      kind: 'undeployed',
      body: { appname: instance.jobName, instance_number: instance.instanceNumber },
    });
  }

  private instanceNetwork(fields: SpecNetworkFields, netns: ContainerNetns): InstanceNetwork {
    if (!this.allocator) throw new Error('no subnet yet');
    const instance: InstanceNetwork = {
      key: fields.key,
      netns: { path: netns.path },
      namespaceIp: this.allocator.allocate(fields.key),
      ports: fields.ports,
    };
    if (fields.instanceIp !== undefined && ipv4ToNumber(fields.instanceIp) !== null)
      instance.instanceIp = fields.instanceIp;
    return instance;
  }

  private attachment(containerId: string, netns: ContainerNetns): Attachment {
    const a: Attachment = { containerId, netnsPath: netns.path };
    if (netns.startedAt !== undefined) a.startedAt = netns.startedAt;
    return a;
  }

  private requireRecord(): NetworkStateRecord {
    if (!this.record) throw new Error('network state not loaded');
    return this.record;
  }

  /** Serialised writes of network.json (mode 0600; it holds the private key). */
  private persist(): Promise<void> {
    const record = this.record;
    if (!record) return Promise.resolve();
    if (this.allocator) record.namespaceIps = this.allocator.entries();
    const snapshot = structuredClone(record);
    this.writes = this.writes
      .then(() => this.options.store.writeNetwork(snapshot))
      .catch((error: unknown) =>
        this.logger.error({ error: (error as Error).message }, 'could not write network.json'),
      );
    return this.writes;
  }
}

/** `<job_name>#<n>` → its parts (job names contain no `#`: they are MQTT topic-safe SLA names). */
function splitKey(key: InstanceKey): { jobName: string; instanceNumber: number } | undefined {
  const at = key.lastIndexOf('#');
  const instanceNumber = Number(key.slice(at + 1));
  if (at <= 0 || !Number.isSafeInteger(instanceNumber) || instanceNumber < 0) return undefined;
  return { jobName: key.slice(0, at), instanceNumber };
}
