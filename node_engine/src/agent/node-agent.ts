import { hostname } from 'node:os';
import type { Logger } from 'pino';
import {
  ControlDeployDto,
  MqttTopics,
  NODE_NOT_REGISTERED_MESSAGE,
  parseTopic,
  validateDto,
} from '@canopy/contracts';
import type { NodeConfig } from '../config/node-config';
import {
  applyDelete,
  applyDeploy,
  EMPTY_DESIRED_SET,
  markFinished,
  type DesiredChange,
  type DesiredSet,
  type FinishedRecord,
} from '../desired/desired-set';
import {
  instanceKey,
  specHash,
  toInstanceSpec,
  type InstanceKey,
  type InstanceSpec,
} from '../desired/instance-spec';
import { buildResourcesReport, LOG_TAIL_BYTES, reportable } from '../monitoring/instance-resources';
import {
  localAddressTowards,
  NodeInfoCollector,
  type SystemInformation,
} from '../monitoring/node-info.collector';
import type { InstanceNetworkService } from '../instance-network/instance-network.service';
import { DataPlaneClaim } from '../instance-network/data-plane.claim';
import { createInstanceNetwork, createServiceDiscovery } from '../instance-network/network-setup';
import type { ServiceDiscovery } from '../instance-network/network-setup';
import { NetworkedRuntimeDriver } from '../instance-network/networked-runtime.driver';
import { ClusterLink } from '../mqtt/cluster-link';
import { parseControlMessage } from '../mqtt/control-message';
import { ReconcileLoop } from '../reconcile/reconcile-loop';
import {
  DEFAULT_RECONCILE_POLICY,
  type DesiredInstance,
  type ReconcilePolicy,
} from '../reconcile/reconcile.types';
import { StatusReporter, type InstanceStatusEvent } from '../reconcile/status-reporter';
import {
  ClusterRegistrationClient,
  RegistrationRejectedError,
  type RegistrationBody,
  type RegistrationResult,
} from '../registration/cluster-registration.client';
import { isStaticBinary } from '../runtime/network-gate';
import {
  hostProbe,
  missingForDataPlane,
  type HostProbe,
} from '../instance-network/network-prerequisites';
import { DockerRuntimeDriver } from '../runtime/docker-runtime.driver';
import { tailUtf8 } from '../runtime/docker-log-stream';
import {
  runtimeRegistry,
  type RuntimeDriver,
  type RuntimeRegistry,
} from '../runtime/runtime-driver';
import { StateStore, type Credentials, type Identity } from '../state/state-store';
import { StartRefusedError } from './start-refused.error';

/** Something that performs the cluster handshake (the HTTP client, or a fake in tests). */
export interface Registrar {
  register(body: RegistrationBody, signal?: AbortSignal): Promise<RegistrationResult>;
}

export interface NodeAgentDeps {
  logger: Logger;
  /** Default: ClusterRegistrationClient for the configured cluster. */
  registrar?: Registrar;
  /** Default: one DockerRuntimeDriver on config.runtime.docker_socket. */
  runtimes?: (nodeId: string) => RuntimeDriver[];
  /** Default: `mqtt://<cluster_address>:<MQTT_BROKER_PORT>`. */
  mqttUrl?: (identity: Identity) => string;
  /** `nodes/<id>/information` and `jobs/resources` period; Oakestra's 2 s. */
  reportIntervalMs?: number;
  /** What `network.enabled: "auto"` inspects (tests); default: this host. */
  hostProbe?: HostProbe;
  /** Overrides of the restart/retry policy (tests shorten the backoff). */
  policy?: Partial<ReconcilePolicy>;
  si?: SystemInformation;
  /** Write the pid file (the CLI's `start`); tests running several agents turn it off. */
  pidFile?: boolean;
  /** Where the data plane's owner is recorded (tests); default DATA_PLANE_CLAIM_DIR. */
  dataPlaneClaimDir?: string;
}

/** Least time between two re-registrations triggered by the cluster or the broker. */
const REREGISTER_MIN_INTERVAL_MS = 30_000;
/** status.json is rewritten at most this often when only the report time changes. */
const STATUS_FILE_PERIOD_MS = 30_000;

/**
 * The worker agent: registration → MQTT session → reconcile loop, and the periodic reports.
 *
 * Start-up: with a persisted identity the agent reconciles and connects at once (with the
 * persisted broker credentials) and re-registers in the background, so a worker whose cluster is
 * down keeps its workloads converging; without one it registers first (retrying).
 *
 * Shutdown (SIGTERM/SIGINT, `canopy-node stop`): the reconcile loop stops, `offline` is published,
 * the session ends. Containers keep running: they are the desired state, and the next start
 * adopts them without a restart. `canopy-node stop --purge` removes them.
 */
export class NodeAgent {
  private readonly store: StateStore;
  private readonly reporter: StatusReporter;
  private identity: Identity | undefined;
  private credentials: Credentials | undefined;
  private dataPlaneClaim: DataPlaneClaim | undefined;
  private desired: DesiredSet = EMPTY_DESIRED_SET;
  private desiredList: DesiredInstance[] = [];
  private runtimes: RuntimeRegistry = new Map();
  private loop: ReconcileLoop | undefined;
  private link: ClusterLink | undefined;
  private collector: NodeInfoCollector | undefined;
  private reportTimer: NodeJS.Timeout | undefined;
  private reporting = false;
  private reportPending = false;
  /** Set after the reconcile loop's first look at the containers (reported at once). */
  private observedOnce = false;
  private writes: Promise<void> = Promise.resolve();
  private statusWrite: NodeJS.Timeout | undefined;
  private statusWrittenAt = 0;
  private lastReportAt: string | undefined;
  private mqttConnectedAt: string | undefined;
  private lastRegisterAt = 0;
  private registering: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private stopping: Promise<void> | undefined;
  private readonly policy: ReconcilePolicy;
  private readonly logger: Logger;
  /** Runtimes that answered: advertised as `virtualization` in the node facts. */
  private readonly available = new Set<string>();
  private cycles = 0;
  /** Services already warned about running without the data plane (warnIfUnreachable). */
  private readonly unreachableWarned = new Set<string>();
  /** The worker data plane; only with `network.enabled`. */
  private network: InstanceNetworkService | undefined;
  /** The Docker driver the data plane inspects (namespaces of running containers). */
  private networkSource: DockerRuntimeDriver | undefined;
  /** Table misses → queries, interests, RTT (with `network.enabled`, once the node id is known). */
  private discovery: ServiceDiscovery | undefined;

  constructor(
    private readonly config: NodeConfig,
    private readonly deps: NodeAgentDeps,
  ) {
    this.logger = deps.logger;
    this.store = new StateStore(config.state_dir, deps.logger);
    this.reporter = new StatusReporter((event) => this.onStatus(event));
    this.policy = {
      ...DEFAULT_RECONCILE_POLICY,
      backoffMaxMs: config.runtime.restart_backoff_max_seconds * 1000,
      allowPrivileged: config.runtime.allow_privileged,
      ...deps.policy,
    };
  }

  get nodeName(): string {
    return this.config.node_name ?? hostname();
  }

  get nodeId(): string | undefined {
    return this.identity?.nodeId;
  }

  get reconcileLoop(): ReconcileLoop | undefined {
    return this.loop;
  }

  /** True once stop() was called (SIGTERM/SIGINT). */
  get stopRequested(): boolean {
    return this.stopping !== undefined;
  }

  get connected(): boolean {
    return this.link?.connected ?? false;
  }

  desiredInstances(): readonly DesiredInstance[] {
    return this.desiredList;
  }

  /**
   * Starts the agent. Resolves once it runs (registered, or started from its persisted
   * identity); rejects on a fatal problem (bad join token, another agent on the state dir).
   */
  async start(): Promise<void> {
    await this.store.init();
    if (this.deps.pidFile ?? true) await this.claimPidFile();
    if (await this.dataPlaneWanted()) {
      this.dataPlaneClaim = new DataPlaneClaim({
        bridge: this.config.network.bridge,
        stateDir: this.config.state_dir,
        ...(this.deps.dataPlaneClaimDir !== undefined ? { dir: this.deps.dataPlaneClaimDir } : {}),
      });
      await this.dataPlaneClaim.acquire();
      this.network = createInstanceNetwork(this.config.network, this.store, this.logger);
      await this.network.loadKeys(); // the public key goes into the registration
    }
    this.logger.info(
      {
        cluster: `${this.config.cluster_address}:${this.config.cluster_port}`,
        stateDir: this.config.state_dir,
        nodeName: this.nodeName,
        labels: this.config.labels,
        network: this.network
          ? `${this.config.network.backend} on ${this.config.network.bridge}`
          : "off (Docker's bridge: InstanceIPs and ServiceIPs do not work)",
      },
      'node engine started',
    );
    const identity = await this.store.readIdentity();
    const credentials = await this.store.readCredentials();
    if (
      identity.state === 'ok' &&
      identity.value.clusterAddress === this.config.cluster_address &&
      identity.value.clusterPort === this.config.cluster_port
    ) {
      this.identity = identity.value;
      if (credentials.state === 'ok' && credentials.value.nodeId === identity.value.nodeId) {
        this.credentials = credentials.value;
      }
      this.logger.info({ nodeId: this.identity.nodeId }, 'resuming with the persisted identity');
      await this.run();
      // Identity is kept by re-registering with the persisted id; the cluster may be down.
      this.registering = this.registerInBackground();
      return;
    }
    const result = await this.register(undefined);
    if (identity.state === 'ok') {
      // Another cluster now: its containers belong to the old identity and the old cluster.
      this.logger.warn(
        {
          was: `${identity.value.clusterAddress}:${identity.value.clusterPort}`,
          oldId: identity.value.nodeId,
        },
        "the configured cluster changed: registered as a new worker; removing the old identity's containers",
      );
      await this.purgeNode(identity.value.nodeId);
    }
    await this.adopt(result);
  }

  /** Resolves after SIGINT or SIGTERM once shutdown has finished. */
  runUntilSignal(): Promise<void> {
    return new Promise((resolve) => {
      const onSignal = (signal: NodeJS.Signals): void => {
        this.logger.info({ signal }, 'shutting down');
        void this.stop().then(resolve);
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    });
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.abort.abort();
      clearInterval(this.reportTimer);
      await this.registering?.catch(() => undefined);
      this.discovery?.stop();
      await this.loop?.stop();
      await this.link?.stop();
      for (const driver of this.runtimes.values()) driver.close();
      await this.writes;
      await this.flushStatusFile();
      await this.dataPlaneClaim?.release();
      if (this.deps.pidFile ?? true) await this.store.removePid(process.pid);
      this.logger.info('node engine stopped (containers keep running)');
    })();
    return this.stopping;
  }

  // ----------------------------------------------------------------------- registration

  private registrar(): Registrar {
    return (
      this.deps.registrar ??
      new ClusterRegistrationClient({
        clusterAddress: this.config.cluster_address,
        clusterPort: this.config.cluster_port,
        logger: this.logger,
      })
    );
  }

  private async registrationBody(id: string | undefined): Promise<RegistrationBody> {
    const facts = await this.collectorFor().sample();
    const body: RegistrationBody = { ...facts, ...this.networkFacts() };
    if (id !== undefined) body.id = id;
    if (this.config.join_token !== undefined) body.join_token = this.config.join_token;
    return body;
  }

  /** Canopy's tunnel fields of the registration and `information` (with `network.enabled`). */
  private networkFacts(): { port?: string; wg_public_key?: string; tunnel_port?: number } {
    if (!this.network) return {};
    const port = this.config.network.tunnel_port;
    const key = this.network.publicKey;
    return {
      port: String(port),
      tunnel_port: port,
      ...(key !== undefined && this.config.network.backend === 'wireguard'
        ? { wg_public_key: key }
        : {}),
    };
  }

  private async register(id: string | undefined): Promise<RegistrationResult> {
    this.lastRegisterAt = Date.now();
    return this.registrar().register(await this.registrationBody(id), this.abort.signal);
  }

  private registerInBackground(): Promise<void> {
    return this.register(this.identity?.nodeId)
      .then((result) => this.adopt(result))
      .catch((error: unknown) => {
        if (this.abort.signal.aborted) return;
        if (error instanceof RegistrationRejectedError) {
          // A known worker keeps running on its persisted identity and broker credentials: a
          // rotated join token must not take its workloads down. The broker still decides
          // whether the credentials are valid; a first join with a bad token is fatal (start()).
          this.logger.error(
            { reason: error.message },
            'the cluster refused the re-registration; continuing with the persisted identity',
          );
          return;
        }
        this.logger.error({ error: (error as Error).message }, 're-registration failed');
      });
  }

  /** The cluster or the broker no longer knows us: re-register (rate-limited). */
  private reRegister(why: string): void {
    if (Date.now() - this.lastRegisterAt < REREGISTER_MIN_INTERVAL_MS) {
      this.logger.warn({ why }, 're-registration requested; too soon after the last one, skipped');
      return;
    }
    this.logger.warn({ why }, 're-registering with the cluster');
    this.registering = this.registerInBackground();
  }

  /** Applies a registration answer: first identity, same identity (maybe new credentials), or a new id. */
  private async adopt(result: RegistrationResult): Promise<void> {
    if (this.abort.signal.aborted) return;
    const identity: Identity = {
      nodeId: result.id,
      nodeName: this.nodeName,
      clusterAddress: this.config.cluster_address,
      clusterPort: this.config.cluster_port,
      mqttBrokerPort: result.mqttBrokerPort,
      registeredAt: new Date().toISOString(),
      ...(result.subnetwork !== undefined ? { subnetwork: result.subnetwork } : {}),
    };
    const credentials: Credentials = {
      nodeId: result.id,
      mqttUsername: result.mqttUsername,
      mqttPassword: result.mqttPassword,
    };
    const previous = this.identity;
    if (previous !== undefined && previous.nodeId !== result.id) {
      this.logger.warn(
        { was: previous.nodeId, now: result.id },
        "the cluster assigned a new worker id: removing the old identity's containers and desired set",
      );
      await this.stopRunning();
      await this.purgeNode(previous.nodeId);
      this.desired = EMPTY_DESIRED_SET;
      this.refreshDesiredList();
    }
    const sameSession =
      previous?.nodeId === result.id &&
      previous.mqttBrokerPort === result.mqttBrokerPort &&
      previous.subnetwork === result.subnetwork &&
      this.credentials?.mqttUsername === result.mqttUsername &&
      this.credentials?.mqttPassword === result.mqttPassword;
    if (sameSession) return;
    await this.store.writeIdentity(identity);
    await this.store.writeCredentials(credentials);
    this.identity = identity;
    this.credentials = credentials;
    if (previous?.nodeId === result.id && this.loop !== undefined) {
      if (previous.subnetwork !== result.subnetwork) await this.startNetwork(identity);
      // Same worker, new broker port or credentials: only the session changes.
      this.logger.info('broker settings changed: reconnecting');
      await this.link?.stop();
      this.startLink();
      return;
    }
    if (previous !== undefined && previous.nodeId !== result.id)
      await this.store.clearDesired(result.id);
    await this.run();
  }

  // ---------------------------------------------------------------------------- running

  /** Loads the desired set, starts runtimes, the reconcile loop, the MQTT session and reports. */
  private async run(): Promise<void> {
    const identity = this.identity;
    if (identity === undefined) throw new Error('run() without identity');
    const drivers = this.deps.runtimes?.(identity.nodeId) ?? [
      new DockerRuntimeDriver({
        socketPath: this.config.runtime.docker_socket,
        nodeId: identity.nodeId,
        logger: this.logger.child({ runtime: 'docker' }),
        stopTimeoutSeconds: this.config.runtime.stop_timeout_seconds,
        ...(this.network ? { networking: 'canopy' as const, ...(await this.networkGate()) } : {}),
      }),
    ];
    const network = this.network;
    this.runtimes = runtimeRegistry(
      network
        ? drivers.map((d) =>
            d instanceof DockerRuntimeDriver ? new NetworkedRuntimeDriver(d, network) : d,
          )
        : drivers,
    );
    await this.checkRuntimes();
    await this.loadDesired(identity.nodeId);
    if (this.abort.signal.aborted) return; // stopped while starting
    this.networkSource = drivers.find(
      (d): d is DockerRuntimeDriver => d instanceof DockerRuntimeDriver,
    );
    await this.startNetwork(identity);
    this.observedOnce = false;
    this.loop = new ReconcileLoop({
      runtimes: this.runtimes,
      desired: () => this.desiredList,
      reporter: this.reporter,
      recordFinished: (key, finished) => this.recordFinished(key, finished),
      policy: this.policy,
      intervalMs: this.config.runtime.reconcile_interval_seconds * 1000,
      logger: this.logger.child({ component: 'reconcile' }),
      // The first look at the containers (adopted after a restart) is reported at once, not
      // at the next tick, so the cluster sees the worker's full state within one cycle.
      onObserved: () => {
        if (this.observedOnce) return;
        this.observedOnce = true;
        void this.report();
      },
    });
    this.startLink();
    void this.loop.start();
    const every = this.deps.reportIntervalMs ?? 2_000;
    clearInterval(this.reportTimer);
    this.reportTimer = setInterval(() => void this.report(), every);
  }

  /** `network.enabled`, with `auto` decided by what this host has (a warning when off). */
  private async dataPlaneWanted(): Promise<boolean> {
    const enabled = this.config.network.enabled;
    if (enabled !== 'auto') return enabled;
    const missing = await missingForDataPlane(
      this.config.network.backend,
      this.deps.hostProbe ?? hostProbe,
    );
    if (missing.length === 0) return true;
    this.logger.warn(
      { missing },
      `network.enabled is auto and this host lacks ${missing.join(', ')}: the data plane stays ` +
        "off (instances use Docker's bridge; InstanceIPs and ServiceIPs do not work here)",
    );
    return false;
  }

  /** The network gate binary when usable (see network-gate.ts); else a warning and none. */
  private async networkGate(): Promise<{ networkGate?: string }> {
    const path = this.config.network.gate_binary;
    if (path !== '' && (await isStaticBinary(path))) return { networkGate: path };
    this.logger.warn(
      { gate_binary: path },
      path === ''
        ? 'network gate off: containers may run briefly before their network is attached'
        : 'network.gate_binary is missing or not statically linked (install busybox-static): ' +
            'containers may run briefly before their network is attached',
    );
    return {};
  }

  /**
   * With `network.enabled`: brings the data plane up for the running containers (adopted, not
   * restarted) with the subnet from the registration. Failures are logged and retried.
   */
  private async startNetwork(identity: Identity): Promise<void> {
    const network = this.network;
    if (!network) return;
    const source = this.networkSource;
    if (!source) {
      this.logger.error('network.enabled needs the Docker runtime; networking stays off');
      return;
    }
    const underlayAddress =
      this.config.network.underlay_address ??
      (await localAddressTowards(this.config.cluster_address).catch(async () => {
        return (await this.collectorFor().sample()).ip;
      }));
    await network.start({
      nodeId: identity.nodeId,
      subnet: identity.subnetwork,
      underlayAddress,
      source,
    });
    if (this.discovery?.nodeId !== identity.nodeId) {
      this.discovery?.stop();
      this.discovery = createServiceDiscovery({
        nodeId: identity.nodeId,
        network,
        ttlSeconds: this.config.network.interest_ttl_seconds,
        logger: this.logger,
        pinned: (job) =>
          this.desiredList.some((d) => !d.finished && d.spec.sibling_services?.includes(job)),
        transport: {
          publish: (topic, body) => this.link?.publishEvent(topic, body),
          subscribe: (topic) => this.link?.subscribe(topic),
          unsubscribe: (topic) => this.link?.unsubscribe(topic),
        },
      });
      this.discovery.start();
    }
  }

  private async stopRunning(): Promise<void> {
    clearInterval(this.reportTimer);
    await this.loop?.stop();
    this.loop = undefined;
    await this.link?.stop();
    this.link = undefined;
    for (const driver of this.runtimes.values()) driver.close();
  }

  private async checkRuntimes(): Promise<void> {
    for (const [name, driver] of this.runtimes) {
      try {
        await driver.ping();
        this.available.add(name);
      } catch (error) {
        this.available.delete(name);
        this.logger.error(
          { runtime: name, error: (error as Error).message },
          `runtime ${name} does not answer; instances keep their desired state and converge when it is back`,
        );
      }
    }
  }

  private startLink(): void {
    const identity = this.identity;
    if (identity === undefined) return;
    const url =
      this.deps.mqttUrl?.(identity) ??
      `mqtt://${bracketIpv6(identity.clusterAddress)}:${identity.mqttBrokerPort}`;
    this.link = new ClusterLink({
      url,
      nodeId: identity.nodeId,
      username: this.credentials?.mqttUsername,
      password: this.credentials?.mqttPassword,
      logger: this.logger.child({ component: 'mqtt' }),
      onMessage: (topic, payload) => this.onControl(topic, payload),
      ...(this.network
        ? {
            extraSubscriptions: [
              MqttTopics.netPeers(identity.nodeId),
              MqttTopics.netServices(identity.nodeId),
              MqttTopics.netTableQueryResult(identity.nodeId),
            ],
          }
        : {}),
      onConnected: () => {
        this.mqttConnectedAt = new Date().toISOString();
        this.network?.republishReports(); // reports made while offline were lost
        this.discovery?.interests.onConnected();
        this.prefetchSiblings(this.desiredList.map((d) => d.spec));
        // The cluster may have missed events while we were away: send the current statuses.
        this.reporter.republishAll();
        void this.report();
      },
      onAuthRejected: () => this.reRegister('the broker refused our credentials'),
    });
    this.network?.setReportSink((report) => {
      const topic =
        report.kind === 'deployed'
          ? MqttTopics.netServiceDeployed(identity.nodeId)
          : MqttTopics.netServiceUndeployed(identity.nodeId);
      this.link?.publishEvent(topic, report.body);
    });
    this.link.start();
  }

  // ---------------------------------------------------------------------- desired set

  private async loadDesired(nodeId: string): Promise<void> {
    const loaded = await this.store.readDesired();
    if (loaded.state === 'ok' && loaded.value.nodeId === nodeId) {
      this.desired = loaded.value.set;
    } else if (loaded.state === 'ok') {
      this.logger.warn(
        { file: nodeId },
        'the desired set belongs to another worker id; starting empty',
      );
      this.desired = EMPTY_DESIRED_SET;
    } else if (loaded.state === 'corrupt') {
      this.desired = await this.recoverDesiredFromContainers();
      await this.persistDesired();
    } else {
      this.desired = EMPTY_DESIRED_SET;
    }
    this.refreshDesiredList();
    this.logger.info({ instances: this.desiredList.map((d) => d.key) }, 'desired set loaded');
  }

  /**
   * The desired set file was unreadable: rebuild it from the deploys recorded in the labels of
   * this worker's containers, so that a corrupt file does not make the loop remove everything.
   */
  private async recoverDesiredFromContainers(): Promise<DesiredSet> {
    let set: DesiredSet = EMPTY_DESIRED_SET;
    for (const driver of this.runtimes.values()) {
      let containers;
      try {
        containers = await driver.list();
      } catch {
        continue;
      }
      for (const c of containers) {
        if (c.specLabel === undefined) continue;
        let plain: unknown;
        try {
          plain = JSON.parse(c.specLabel);
        } catch {
          continue;
        }
        const parsed = validateDto(ControlDeployDto, plain);
        if (!parsed.ok) continue;
        const change = applyDeploy(set, toInstanceSpec(parsed.value), new Date());
        if (change.changed) set = change.set;
      }
    }
    this.logger.warn(
      { instances: [...set.instances.keys()] },
      "rebuilt the desired set from the running containers' labels",
    );
    return set;
  }

  private refreshDesiredList(): void {
    this.desiredList = [...this.desired.instances].map(([key, record]) => ({
      key,
      spec: record.spec,
      specHash: specHash(record.spec),
      finished: record.finished,
    }));
  }

  private persistDesired(): Promise<void> {
    const nodeId = this.identity?.nodeId;
    if (nodeId === undefined) return Promise.resolve();
    const set = this.desired;
    // Serialised: the file always ends up with the latest set, in order.
    this.writes = this.writes
      .then(() => this.store.writeDesired(set, nodeId))
      .catch((error: unknown) =>
        this.logger.error({ error: (error as Error).message }, 'could not persist the desired set'),
      );
    return this.writes;
  }

  private async applyChange(change: DesiredChange, what: string): Promise<void> {
    if (!change.changed) {
      this.logger.info(
        { what, outcome: change.outcome, detail: change.detail },
        'control message ignored',
      );
      return;
    }
    this.desired = change.set;
    this.refreshDesiredList();
    this.logger.info({ what, outcome: change.outcome }, 'desired set changed');
    // Persist before acting: an agent restart right after must still know the instance.
    await this.persistDesired();
    void this.loop?.trigger(what, { cancel: true });
  }

  /** Table queries for the other services of these instances' applications (data plane on). */
  private prefetchSiblings(specs: readonly InstanceSpec[]): void {
    if (!this.discovery || !this.link?.connected) return;
    this.discovery.interests.prefetch(specs.flatMap((spec) => spec.sibling_services ?? []));
  }

  /**
   * Without the data plane an instance gets Docker's bridge, not the InstanceIP and ServiceIPs
   * the hierarchy gave it: say so once per service, where an operator looks first.
   */
  private warnIfUnreachable(spec: InstanceSpec): void {
    if (this.network || !spec.instance_ip || this.unreachableWarned.has(spec.job_name)) return;
    if (this.unreachableWarned.size >= 1_000) this.unreachableWarned.clear();
    this.unreachableWarned.add(spec.job_name);
    this.logger.warn(
      { job: spec.job_name, instanceIp: spec.instance_ip },
      "the data plane is off on this worker: the instance runs on Docker's bridge, and its " +
        'InstanceIP and ServiceIPs (and those of other services) do not work from or to it; ' +
        'see the start log for why (network.enabled)',
    );
  }

  private async recordFinished(key: InstanceKey, finished: FinishedRecord): Promise<void> {
    const next = markFinished(this.desired, key, finished);
    if (next === this.desired) return;
    this.desired = next;
    this.refreshDesiredList();
    await this.persistDesired();
  }

  // ------------------------------------------------------------------------- messages

  private onControl(topic: string, payload: Buffer): void {
    const nodeId = this.identity?.nodeId;
    if (nodeId === undefined) return;
    if (this.network && topic === MqttTopics.netPeers(nodeId)) {
      void this.network.onPeers(payload);
      return;
    }
    if (this.network && topic === MqttTopics.netServices(nodeId)) {
      void this.network.onServices(payload);
      return;
    }
    if (this.discovery && topic === MqttTopics.netTableQueryResult(nodeId)) {
      void this.discovery.interests.onResult(payload);
      return;
    }
    const job = this.discovery ? parseTopic(topic) : null;
    if (job?.scope === 'job') {
      this.discovery?.interests.onJobUpdate(job.jobName);
      return;
    }
    const parsed = parseControlMessage(nodeId, topic, payload);
    if (!parsed.ok) {
      this.logger.warn(
        { topic, reason: parsed.reason, bytes: payload.length },
        'invalid control message dropped',
      );
      return;
    }
    const control = parsed.control;
    switch (control.kind) {
      case 'deploy': {
        const key = instanceKey(control.spec.job_name, control.spec.instance_number);
        this.warnIfUnreachable(control.spec);
        this.prefetchSiblings([control.spec]);
        void this.applyChange(
          applyDeploy(this.desired, control.spec, new Date()),
          `deploy ${key} (generation ${control.spec.generation ?? '-'})`,
        );
        return;
      }
      case 'delete': {
        const key = instanceKey(control.message.job_name, control.message.instance_number);
        void this.applyChange(
          applyDelete(this.desired, control.message, new Date()),
          `delete ${key} (generation ${control.message.generation ?? '-'})`,
        );
        return;
      }
      case 'error':
        this.logger.error({ message: control.message }, 'the cluster reported an error');
        if (control.message === NODE_NOT_REGISTERED_MESSAGE) this.reRegister(control.message);
        return;
    }
  }

  private onStatus(event: InstanceStatusEvent): void {
    const nodeId = this.identity?.nodeId;
    if (nodeId === undefined) return;
    const body: Record<string, unknown> = {
      sname: event.jobName,
      status: event.status,
      instance: event.instanceNumber,
    };
    if (event.detail !== undefined) body['status_detail'] = event.detail;
    if (event.generation !== undefined) body['generation'] = event.generation;
    if (event.restartCount !== undefined) body['restart_count'] = event.restartCount;
    if (event.exitCode !== undefined) body['exit_code'] = event.exitCode;
    this.logger.info(
      {
        instance: instanceKey(event.jobName, event.instanceNumber),
        status: event.status,
        detail: event.detail,
      },
      'instance status',
    );
    this.link?.publishEvent(MqttTopics.nodeJob(nodeId), body);
    this.scheduleStatusFile(1_000);
  }

  // -------------------------------------------------------------------------- reports

  private collectorFor(): NodeInfoCollector {
    this.collector ??= new NodeInfoCollector({
      nodeName: this.nodeName,
      labels: this.config.labels,
      location: this.config.location && {
        lat: this.config.location.lat,
        long: this.config.location.long,
      },
      virtualization: () => [...this.available].sort(),
      clusterAddress: this.config.cluster_address,
      ...(this.network && this.config.network.underlay_address !== undefined
        ? { address: this.config.network.underlay_address }
        : {}),
      logger: this.logger,
      si: this.deps.si,
      resources: {
        ...(this.config.resources.vcpus !== undefined
          ? { vcpus: this.config.resources.vcpus }
          : {}),
        ...(this.config.resources.memory !== undefined
          ? { memory: this.config.resources.memory }
          : {}),
      },
    });
    return this.collector;
  }

  /** One monitoring cycle: `information` and `jobs/resources`; skipped while disconnected. */
  private async report(): Promise<void> {
    const nodeId = this.identity?.nodeId;
    const link = this.link;
    if (nodeId === undefined || !link?.connected) return;
    if (this.reporting) {
      // Asked for while one is being built (e.g. on connect and on the first observation):
      // one more right after, so the newer state is not skipped.
      this.reportPending = true;
      return;
    }
    this.reporting = true;
    try {
      // A runtime that was down at start (or went away) is re-checked every 15 cycles.
      if (++this.cycles % 15 === 0) await this.checkRuntimes();
      // Facts (a CPU sample takes ~0.5 s) and the per-instance usage are gathered in parallel,
      // and each is published as soon as it is ready.
      await Promise.all([
        this.collectorFor()
          .sample()
          .then((facts) =>
            link.publishReport(MqttTopics.nodeInformation(nodeId), {
              id: nodeId,
              ...facts,
              ...this.networkFacts(),
            }),
          ),
        // Before the first look at the containers the list would be empty, and an empty list
        // tells the cluster that nothing runs here; the first observation triggers a report.
        this.observedOnce
          ? this.buildResources().then((report) =>
              link.publishReport(MqttTopics.nodeJobsResources(nodeId), report),
            )
          : undefined,
      ]);
      this.lastReportAt = new Date().toISOString();
      if (Date.now() - this.statusWrittenAt >= STATUS_FILE_PERIOD_MS) this.scheduleStatusFile(0);
    } catch (error) {
      this.logger.warn({ error: (error as Error).message }, 'monitoring cycle failed');
    } finally {
      this.reporting = false;
      if (this.reportPending) {
        this.reportPending = false;
        void this.report();
      }
    }
  }

  /** `jobs/resources`: usage and log tail of every running desired instance. */
  private async buildResources(): Promise<ReturnType<typeof buildResourcesReport>> {
    const desired = new Map(this.desiredList.map((d) => [d.key, d]));
    const observed = this.loop?.observed() ?? [];
    const running = reportable(observed, desired);
    const usage = new Map<string, import('../runtime/runtime-driver').InstanceUsage>();
    const logs = new Map<string, string>();
    for (const [name, driver] of this.runtimes) {
      const mine = running.filter((c) => c.virtualization === name);
      if (mine.length === 0) continue;
      for (const [id, u] of await driver.stats(mine)) usage.set(id, u);
      await Promise.all(
        mine.map(async (c) => {
          try {
            logs.set(c.id, tailUtf8(await driver.logs(c.id, { tail: 40 }), LOG_TAIL_BYTES));
          } catch {
            // container gone meanwhile: no log tail this cycle
          }
        }),
      );
    }
    return buildResourcesReport(observed, desired, usage, logs, this.loop?.restarts ?? new Map());
  }

  private scheduleStatusFile(delayMs: number): void {
    if (this.statusWrite) return;
    this.statusWrite = setTimeout(() => {
      this.statusWrite = undefined;
      void this.flushStatusFile();
    }, delayMs);
  }

  private async flushStatusFile(): Promise<void> {
    clearTimeout(this.statusWrite);
    this.statusWrite = undefined;
    if (this.identity === undefined) return; // never registered: nothing to tell
    this.statusWrittenAt = Date.now();
    await this.store
      .writeStatus({
        lastReportAt: this.lastReportAt,
        mqttConnectedAt: this.mqttConnectedAt,
        instances: this.reporter.entries(),
      })
      .catch((error: unknown) =>
        this.logger.warn({ error: (error as Error).message }, 'could not write status.json'),
      );
  }

  // ------------------------------------------------------------------------ utilities

  private async claimPidFile(): Promise<void> {
    const pid = await this.store.readPid();
    if (pid !== undefined && pid !== process.pid && isAlive(pid)) {
      throw new StartRefusedError(
        `another node engine (pid ${pid}) is running with state dir ${this.config.state_dir}; ` +
          'stop it first (canopy-node stop)',
      );
    }
    await this.store.writePid(process.pid);
  }

  /** Removes every container labelled with `nodeId` (identity change, `stop --purge`). */
  private async purgeNode(nodeId: string): Promise<void> {
    const drivers = this.deps.runtimes?.(nodeId) ?? [
      new DockerRuntimeDriver({
        socketPath: this.config.runtime.docker_socket,
        nodeId,
        logger: this.logger,
        stopTimeoutSeconds: this.config.runtime.stop_timeout_seconds,
      }),
    ];
    await purgeContainers(drivers, this.logger);
    // The old identity's instance networks, peers and namespace IPs go with its containers.
    await this.network
      ?.cleanup()
      .catch((error: unknown) =>
        this.logger.error({ error: (error as Error).message }, 'network cleanup failed'),
      );
  }
}

/** Stops and removes every container the drivers list (all belong to one worker id). */
export async function purgeContainers(
  drivers: readonly RuntimeDriver[],
  logger: Logger,
): Promise<number> {
  let removed = 0;
  for (const driver of drivers) {
    try {
      for (const c of await driver.list()) {
        await driver.stop(c.id, 5).catch(() => undefined);
        await driver.remove(c.id);
        removed++;
        logger.info({ container: c.id, name: c.name }, 'removed container');
      }
    } catch (error) {
      logger.error(
        { runtime: driver.virtualization, error: (error as Error).message },
        'purge failed',
      );
    } finally {
      driver.close();
    }
  }
  return removed;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function bracketIpv6(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
