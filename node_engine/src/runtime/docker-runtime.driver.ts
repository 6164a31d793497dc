import Docker from 'dockerode';
import type { Logger } from 'pino';
import { parseEnvironmentEntry, parsePortMappings, Virtualization } from '@canopy/contracts';
import type {
  ContainerState,
  DesiredInstance,
  ObservedContainer,
} from '../reconcile/reconcile.types';
import {
  CANOPY_NETWORK_LABEL_VALUE,
  CanopyLabel,
  containerName,
  instanceHostname,
  instanceLabels,
  readInstanceLabels,
} from './container-labels';
import { demuxDockerLogs } from './docker-log-stream';
import { cpuPercent, cpuSample, memoryPercent, type CpuSample } from './docker-stats';
import { normalizeImageRef } from './image-ref';
import { GATE_MOUNT, gatedCommand } from './network-gate';
import {
  ImageNotFoundError,
  type InstanceUsage,
  type LogsOptions,
  type PullOptions,
  type RuntimeDriver,
} from './runtime-driver';

export interface DockerRuntimeOptions {
  socketPath: string;
  /** This worker's id: written into, and required on, every container it manages. */
  nodeId: string;
  logger: Logger;
  /** Seconds between SIGTERM and SIGKILL on stop. */
  stopTimeoutSeconds?: number;
  /** json-file log rotation per container (edge disks are small). */
  logMaxSize?: string;
  logMaxFiles?: number;
  /** How often the writable-layer sizes (expensive for the engine) are refreshed. */
  diskRefreshMs?: number;
  /**
   * `canopy` (config `network.enabled`): containers get Docker network mode `none` and no port
   * bindings; the net manager attaches their namespace and DNATs their ports. Default `docker`:
   * Docker's default network and port publishing.
   */
  networking?: 'docker' | 'canopy';
  /**
   * With `canopy` networking: a static busybox on this host, mounted into every container to
   * hold its command until the namespace is attached (see network-gate.ts). Unset: containers
   * start at once and may run briefly without their network.
   */
  networkGate?: string;
}

/** What the net manager needs of a running container: its network namespace. */
export interface ContainerNetns {
  pid: number;
  /** `/proc/<pid>/ns/net`. */
  path: string;
  /** Epoch ms (State.StartedAt): a new value means a new namespace. */
  startedAt?: number;
  /** Raw `io.canopy.spec` label. */
  specLabel?: string;
}

const MB = 1024 * 1024;
const NEVER = '0001-01-01T00:00:00Z';
/** How long a report waits for fresh container stats before using the previous ones. */
const STATS_WAIT_MS = 200;

/**
 * Runs instances as Docker containers through the engine API (dockerode). Port mappings from
 * the SLA `port` field become Docker port bindings for now; the networking issue replaces them
 * with nftables DNAT on the worker's own bridge.
 */
export class DockerRuntimeDriver implements RuntimeDriver {
  readonly virtualization = Virtualization.DOCKER;
  private readonly docker: Docker;
  private readonly cpu = new Map<string, CpuSample>();
  /** Last CPU/memory sample per container (disk comes from the separate size refresh). */
  private readonly usage = new Map<string, Omit<InstanceUsage, 'diskMb'>>();
  private readonly sampling = new Map<string, Promise<void>>();
  private disk = new Map<string, number>();
  private diskAt = 0;
  private readonly pulls = new Map<string, Promise<void>>();
  private readonly watchers = new Set<{ close(): void }>();

  constructor(private readonly options: DockerRuntimeOptions) {
    this.docker = new Docker({ socketPath: options.socketPath });
  }

  get nodeLabel(): string {
    return `${CanopyLabel.NODE_ID}=${this.options.nodeId}`;
  }

  async ping(): Promise<void> {
    await this.docker.ping();
  }

  async list(): Promise<ObservedContainer[]> {
    const summaries = await this.docker.listContainers({
      all: true,
      filters: { label: [this.nodeLabel] },
    });
    const observed = await Promise.all(
      summaries.map(async (s) => {
        try {
          const info = await this.docker.getContainer(s.Id).inspect();
          return toObserved(info);
        } catch (error) {
          if (statusOf(error) === 404) return undefined; // removed meanwhile
          throw error;
        }
      }),
    );
    const canopyNet = this.options.networking === 'canopy';
    for (const o of observed) {
      // Made for the other networking mode: report a foreign spec hash so it is replaced.
      if (o !== undefined && o.specHash !== undefined && o.canopyNetwork !== canopyNet) {
        o.specHash = `${o.specHash}~${canopyNet ? 'docker-net' : 'canopy-net'}`;
      }
      if (o !== undefined) delete o.canopyNetwork;
    }
    const live = new Set(summaries.map((s) => s.Id));
    for (const id of this.cpu.keys()) if (!live.has(id)) this.cpu.delete(id);
    for (const id of this.usage.keys()) if (!live.has(id)) this.usage.delete(id);
    return observed.filter((o): o is ObservedContainer => o !== undefined);
  }

  /** The network namespace of a running container; undefined when it is not running (or gone). */
  async netns(containerId: string): Promise<ContainerNetns | undefined> {
    let info: Docker.ContainerInspectInfo;
    try {
      info = await this.docker.getContainer(containerId).inspect();
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
    const pid = info.State.Pid;
    if (!info.State.Running || !Number.isInteger(pid) || pid <= 0) return undefined;
    const result: ContainerNetns = { pid, path: `/proc/${pid}/ns/net` };
    const startedAt = parseTime(info.State.StartedAt);
    if (startedAt !== undefined) result.startedAt = startedAt;
    const spec = info.Config.Labels?.[CanopyLabel.SPEC];
    if (spec !== undefined) result.specLabel = spec;
    return result;
  }

  async localImages(): Promise<Set<string>> {
    const images = await this.docker.listImages();
    const refs = new Set<string>();
    for (const image of images) {
      for (const tag of image.RepoTags ?? [])
        if (tag !== '<none>:<none>') refs.add(normalizeImageRef(tag));
      for (const digest of image.RepoDigests ?? []) refs.add(normalizeImageRef(digest));
    }
    return refs;
  }

  /** Concurrent pulls of one image share one engine request. */
  pull(image: string, options: PullOptions = {}): Promise<void> {
    const key = `${image}|${options.platform ?? ''}`;
    const running = this.pulls.get(key);
    if (running) return running;
    const pulling = this.doPull(image, options).finally(() => this.pulls.delete(key));
    this.pulls.set(key, pulling);
    return pulling;
  }

  private async doPull(image: string, options: PullOptions): Promise<void> {
    const log = this.options.logger.child({ image });
    const started = Date.now();
    log.info({ platform: options.platform }, 'pulling image');
    let stream: NodeJS.ReadableStream;
    try {
      stream = (await this.docker.pull(
        image,
        options.platform ? { platform: options.platform } : {},
      )) as NodeJS.ReadableStream;
    } catch (error) {
      throw pullError(image, error);
    }
    const onAbort = (): void => (stream as unknown as { destroy?: () => void }).destroy?.();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const layers = new Map<string, { current: number; total: number }>();
    let lastLog = 0;
    let lastStatus = '';
    try {
      await new Promise<void>((resolve, reject) => {
        this.docker.modem.followProgress(
          stream,
          (error: Error | null) => (error ? reject(error) : resolve()),
          (event: {
            id?: string;
            status?: string;
            error?: string;
            progressDetail?: { current?: number; total?: number };
          }) => {
            if (event.error) {
              reject(new Error(event.error));
              return;
            }
            if (event.id && event.progressDetail?.total) {
              layers.set(event.id, {
                current: event.progressDetail.current ?? 0,
                total: event.progressDetail.total,
              });
            }
            const now = Date.now();
            if (event.status && event.status !== lastStatus && !event.id) {
              lastStatus = event.status;
              log.info({ status: event.status }, 'pull progress');
            } else if (now - lastLog >= 2000 && layers.size > 0) {
              lastLog = now;
              let current = 0;
              let total = 0;
              for (const l of layers.values()) {
                current += l.current;
                total += l.total;
              }
              log.info(
                {
                  layers: layers.size,
                  downloadedMb: round1(current / MB),
                  totalMb: round1(total / MB),
                },
                'pull progress',
              );
            }
          },
        );
      });
    } catch (error) {
      if (options.signal?.aborted) throw new Error(`pull of ${image} cancelled`);
      throw pullError(image, error);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
    log.info({ ms: Date.now() - started }, 'pulled image');
  }

  async create(instance: DesiredInstance): Promise<string> {
    const { spec } = instance;
    const name = containerName(spec.job_name, spec.instance_number);
    const ports = parsePortMappings(spec.port ?? '');
    if (!ports.ok) throw new Error(`invalid port mapping: ${ports.error}`);
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostPort: string }[]> = {};
    for (const p of ports.mappings) {
      const containerPort = `${p.containerPort}/${p.protocol}`;
      exposed[containerPort] = {};
      bindings[containerPort] = [
        ...(bindings[containerPort] ?? []),
        { HostPort: String(p.hostPort) },
      ];
    }
    const canopyNet = this.options.networking === 'canopy';
    const env = spec.environment.filter((e) => parseEnvironmentEntry(e) !== null);
    const labels = instanceLabels(this.options.nodeId, spec, instance.specHash);
    if (canopyNet) labels[CanopyLabel.NETWORK] = CANOPY_NETWORK_LABEL_VALUE;
    const options: Docker.ContainerCreateOptions & { platform?: string } = {
      name,
      Image: spec.image,
      Cmd: spec.cmd.length > 0 ? spec.cmd : undefined,
      Env: env,
      Hostname: instanceHostname(spec.instance_number),
      Labels: labels,
      // With the worker data plane the net manager DNATs the ports into the namespace.
      ExposedPorts: canopyNet ? {} : exposed,
      HostConfig: {
        ...(canopyNet ? { NetworkMode: 'none' } : { PortBindings: bindings }),
        Memory: spec.memory > 0 ? spec.memory * MB : undefined,
        NanoCpus: spec.vcpus > 0 ? spec.vcpus * 1e9 : undefined,
        Privileged: spec.privileged,
        RestartPolicy: { Name: 'no' },
        LogConfig: {
          Type: 'json-file',
          Config: {
            'max-size': this.options.logMaxSize ?? '10m',
            'max-file': String(this.options.logMaxFiles ?? 3),
          },
        },
      },
    };
    if (spec.platform) options.platform = spec.platform;
    if (canopyNet && this.options.networkGate !== undefined) {
      const gated = gatedCommand(await this.imageConfig(spec.image), spec.cmd);
      if (gated) {
        Object.assign(options, gated);
        (options.HostConfig as Docker.HostConfig).Binds = [
          `${this.options.networkGate}:${GATE_MOUNT}:ro`,
        ];
      }
    }
    try {
      const container = await this.docker.createContainer(options);
      return container.id;
    } catch (error) {
      const status = statusOf(error);
      if (status === 409) {
        throw new Error(
          `container name ${name} is already used by a container this worker does not manage`,
        );
      }
      if (status === 404) throw new ImageNotFoundError(`image not found: ${spec.image}`);
      throw new Error(`create failed: ${messageOf(error)}`);
    }
  }

  /** The image's entrypoint and command (the network gate runs them itself). */
  private async imageConfig(
    image: string,
  ): Promise<{ Entrypoint?: string[] | string | null; Cmd?: string[] | string | null }> {
    try {
      return (await this.docker.getImage(image).inspect()).Config ?? {};
    } catch (error) {
      if (statusOf(error) === 404) throw new ImageNotFoundError(`image not found: ${image}`);
      throw new Error(`image inspect failed: ${messageOf(error)}`);
    }
  }

  async start(containerId: string): Promise<void> {
    try {
      await this.docker.getContainer(containerId).start();
    } catch (error) {
      if (statusOf(error) === 304) return; // already running
      throw new Error(`start failed: ${messageOf(error)}`);
    }
  }

  async stop(
    containerId: string,
    timeoutSeconds = this.options.stopTimeoutSeconds ?? 10,
  ): Promise<void> {
    try {
      await this.docker.getContainer(containerId).stop({ t: timeoutSeconds });
    } catch (error) {
      const status = statusOf(error);
      if (status === 304 || status === 404) return;
      throw new Error(`stop failed: ${messageOf(error)}`);
    }
  }

  async remove(containerId: string): Promise<void> {
    try {
      await this.docker.getContainer(containerId).remove({ force: true, v: true });
    } catch (error) {
      const status = statusOf(error);
      if (status === 404) return;
      if (status === 409 && /already in progress/i.test(messageOf(error))) return;
      throw new Error(`remove failed: ${messageOf(error)}`);
    } finally {
      this.cpu.delete(containerId);
      this.usage.delete(containerId);
    }
  }

  /**
   * Usage of the running containers, for the periodic report. The engine answers a repeated
   * one-shot stats call only at its next collection tick (up to ~1 s per call), so a report never
   * waits for that: fresh samples are started and awaited for at most STATS_WAIT_MS; what is
   * not in by then comes from the previous sample (or is missing) and lands in the next report.
   */
  async stats(containers: readonly ObservedContainer[]): Promise<Map<string, InstanceUsage>> {
    const running = containers.filter((c) => c.state === 'running');
    const fresh = Promise.all([this.refreshDisk(), ...running.map((c) => this.sample(c.id))]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      fresh,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, STATS_WAIT_MS))),
    ]);
    clearTimeout(timer);
    const out = new Map<string, InstanceUsage>();
    for (const c of running) {
      const usage = this.usage.get(c.id);
      if (usage) out.set(c.id, { ...usage, diskMb: this.disk.get(c.id) ?? 0 });
    }
    return out;
  }

  /** One stats sample of a container into `usage`; at most one in flight per container. */
  private sample(containerId: string): Promise<void> {
    const inFlight = this.sampling.get(containerId);
    if (inFlight) return inFlight;
    const run = (async () => {
      try {
        // one-shot: no 1 s wait for a second sample; CPU comes from our previous sample.
        const stats = (await this.docker.getContainer(containerId).stats({
          stream: false,
          'one-shot': true,
        } as {
          stream: false;
        })) as Docker.ContainerStats;
        const sample = cpuSample(stats);
        const cpu = sample ? cpuPercent(this.cpu.get(containerId), sample) : undefined;
        if (sample) this.cpu.set(containerId, sample);
        this.usage.set(containerId, { cpuPercent: cpu ?? 0, memoryPercent: memoryPercent(stats) });
      } catch (error) {
        this.options.logger.debug(
          { container: containerId, error: messageOf(error) },
          'stats unavailable',
        );
      } finally {
        this.sampling.delete(containerId);
      }
    })();
    this.sampling.set(containerId, run);
    return run;
  }

  private async refreshDisk(): Promise<void> {
    const now = Date.now();
    if (now - this.diskAt < (this.options.diskRefreshMs ?? 30_000)) return;
    this.diskAt = now;
    try {
      const sized = await this.docker.listContainers({
        all: true,
        size: true,
        filters: { label: [this.nodeLabel] },
      });
      this.disk = new Map(
        sized.map((s) => [s.Id, round1(((s as { SizeRw?: number }).SizeRw ?? 0) / MB)]),
      );
    } catch (error) {
      this.options.logger.debug({ error: messageOf(error) }, 'container sizes unavailable');
    }
  }

  async logs(containerId: string, options: LogsOptions = {}): Promise<string> {
    const buffer = (await this.docker.getContainer(containerId).logs({
      stdout: true,
      stderr: true,
      follow: false,
      tail: options.tail ?? 'all',
      timestamps: options.timestamps ?? false,
    } as Docker.ContainerLogsOptions & { follow: false })) as unknown as Buffer;
    return demuxDockerLogs(buffer).toString('utf8');
  }

  async followLogs(
    containerId: string,
    write: (chunk: string) => void,
    options: LogsOptions = {},
  ): Promise<void> {
    const logOptions: Docker.ContainerLogsOptions & { follow: true } = {
      stdout: true,
      stderr: true,
      follow: true,
      timestamps: options.timestamps ?? false,
    };
    if (options.tail !== undefined) logOptions.tail = options.tail;
    const stream = (await this.docker
      .getContainer(containerId)
      .logs(logOptions)) as unknown as NodeJS.ReadableStream & {
      destroy(): void;
    };
    const sink = { write: (chunk: Buffer) => (write(chunk.toString('utf8')), true) };
    this.docker.modem.demuxStream(
      stream,
      sink as unknown as NodeJS.WritableStream,
      sink as unknown as NodeJS.WritableStream,
    );
    await new Promise<void>((resolve) => {
      const done = (): void => {
        options.signal?.removeEventListener('abort', abort);
        resolve();
      };
      const abort = (): void => {
        stream.destroy();
        done();
      };
      options.signal?.addEventListener('abort', abort, { once: true });
      stream.on('end', done);
      stream.on('error', done);
      stream.on('close', done);
    });
  }

  watch(onChange: () => void): { close(): void } {
    let closed = false;
    let current: (NodeJS.ReadableStream & { destroy(): void }) | undefined;
    let retry: NodeJS.Timeout | undefined;
    const connect = (): void => {
      if (closed) return;
      this.docker
        .getEvents({
          filters: {
            type: ['container'],
            label: [this.nodeLabel],
            event: ['start', 'die', 'destroy', 'oom', 'stop', 'kill'],
          },
        })
        .then((stream) => {
          current = stream as NodeJS.ReadableStream & { destroy(): void };
          if (closed) return current.destroy();
          current.on('data', () => onChange());
          const again = (): void => {
            current = undefined;
            if (!closed) retry = setTimeout(connect, 2000);
          };
          current.on('end', again);
          current.on('error', again);
        })
        .catch((error: unknown) => {
          this.options.logger.warn(
            { error: messageOf(error) },
            'docker events unavailable; retrying in 5s',
          );
          if (!closed) retry = setTimeout(connect, 5000);
        });
    };
    connect();
    const handle = {
      close: () => {
        closed = true;
        clearTimeout(retry);
        current?.destroy();
        this.watchers.delete(handle);
      },
    };
    this.watchers.add(handle);
    return handle;
  }

  close(): void {
    for (const w of [...this.watchers]) w.close();
  }
}

function toObserved(
  info: Docker.ContainerInspectInfo,
): ObservedContainer & { canopyNetwork?: boolean } {
  const labelled = readInstanceLabels(info.Config.Labels);
  const state = info.State;
  const status =
    (state.Status as ContainerState | undefined) ?? (state.Running ? 'running' : 'exited');
  const observed: ObservedContainer & { canopyNetwork?: boolean } = {
    canopyNetwork: info.Config.Labels?.[CanopyLabel.NETWORK] === CANOPY_NETWORK_LABEL_VALUE,
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    virtualization: Virtualization.DOCKER,
    oneShot: labelled.oneShot,
    state: status,
    oomKilled: state.OOMKilled,
    image: info.Config.Image,
  };
  if (labelled.key !== undefined) {
    observed.key = labelled.key;
    observed.jobName = labelled.jobName;
    observed.instanceNumber = labelled.instanceNumber;
    if (labelled.generation !== undefined) observed.generation = labelled.generation;
    if (labelled.specHash !== undefined) observed.specHash = labelled.specHash;
  }
  const startedAt = parseTime(state.StartedAt);
  const finishedAt = parseTime(state.FinishedAt);
  if (startedAt !== undefined) observed.startedAt = startedAt;
  if (finishedAt !== undefined) observed.finishedAt = finishedAt;
  if (status === 'exited' || status === 'dead') observed.exitCode = state.ExitCode;
  if (state.Error) observed.error = state.Error;
  const spec = info.Config.Labels?.[CanopyLabel.SPEC];
  if (spec !== undefined) observed.specLabel = spec;
  return observed;
}

function parseTime(text: string | undefined): number | undefined {
  if (!text || text.startsWith(NEVER.slice(0, 10))) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Docker says "not found" in several ways depending on registry and engine version. */
const IMAGE_NOT_FOUND =
  /not found|manifest unknown|pull access denied|repository does not exist|no such image|name unknown|does not exist or no pull access/i;

function pullError(image: string, error: unknown): Error {
  const message = messageOf(error);
  if (statusOf(error) === 404 || IMAGE_NOT_FOUND.test(message)) {
    return new ImageNotFoundError(`image not found: ${image} (${message})`);
  }
  return new Error(`pull of ${image} failed: ${message}`);
}

export function statusOf(error: unknown): number | undefined {
  const code = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

export function messageOf(error: unknown): string {
  const json = (error as { json?: { message?: unknown } } | null)?.json;
  if (json && typeof json.message === 'string') return json.message.trim();
  const reason = error instanceof Error ? error.message : String(error);
  return reason.replace(/^\(HTTP code \d+\)\s*[a-z -]*-\s*/i, '').trim();
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
