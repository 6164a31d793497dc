import { createSocket } from 'node:dgram';
import os from 'node:os';
import type { Logger } from 'pino';
import { DefaultPort } from '@canopy/contracts';
import { loadSystemInformation, type SystemInformation } from './system-information';

/**
 * The node facts a worker sends at registration and every 2 s on `nodes/<id>/information`:
 * Oakestra's Node JSON field names (reference §5.1) plus Canopy's labels and location.
 */
export interface NodeFacts {
  host: string;
  ip: string;
  port: string;
  system_info: Record<string, string>;
  cpu_percent: number;
  vcpus: number;
  architecture: string;
  memory_percent: number;
  /** Available memory, MB. */
  memory: number;
  disk_info: Record<string, string>;
  network_info: Record<string, string>;
  gpu_driver: string;
  gpu_usage: number;
  vgpus: number;
  gpu_temp: number;
  vram_percent: number;
  vram: number;
  virtualization: string[];
  supported_addons: string[];
  csi_drivers: string[];
  labels: Record<string, string>;
  location?: { lat: number; long: number };
  /** Canopy: cores the cluster may reserve in total. */
  allocatable_vcpus: number;
  /** Canopy: MB the cluster may reserve in total. */
  allocatable_memory: number;
}

/** Memory kept back for the OS, the agent and Docker when no cap is configured: 10%, ≥ 128 MB. */
export function allocatableMemoryMb(totalMb: number, capMb?: number): number {
  const machine = Math.max(0, totalMb - Math.max(128, Math.ceil(totalMb * 0.1)));
  return Math.floor(capMb === undefined ? machine : Math.min(capMb, machine));
}

export type { SystemInformation };

export interface NodeInfoCollectorOptions {
  nodeName: string;
  labels: Record<string, string>;
  location?: { lat: number; long: number };
  /** Runtimes this worker offers (`docker` when the engine answers). */
  virtualization: () => string[];
  /** The cluster's address: the worker's `ip` is the local address that routes there. */
  clusterAddress: string;
  /**
   * The worker's configured underlay address (`network.underlay_address` with networking on):
   * reported as `ip` instead, since other workers tunnel to it and port mappings answer on it.
   */
  address?: string;
  logger: Logger;
  si?: SystemInformation;
  /** Every how many samples disk and network facts are refreshed (they spawn processes). */
  slowEvery?: number;
  /** Operator caps on what the cluster may reserve (config `resources`). */
  resources?: { vcpus?: number; memory?: number };
}

/** Go's GOARCH names (Oakestra reports runtime.GOARCH) for Node's process.arch. */
export function goArch(arch: string = process.arch): string {
  const map: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    ia32: '386',
    ppc64: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64',
    loong64: 'loong64',
    mips: 'mips',
    mipsel: 'mipsle',
  };
  return map[arch] ?? arch;
}

/**
 * Collects node facts cheaply: facts that never change (OS, GPUs, cores) once at start; disk
 * (spawns `df`) and network facts every `slowEvery` samples; CPU (from /proc/stat deltas) and
 * memory (/proc/meminfo) on every sample. One sample serves both the registration body and the
 * periodic report.
 */
export class NodeInfoCollector {
  private readonly si: SystemInformation;
  private staticFacts:
    | Pick<NodeFacts, 'system_info' | 'vcpus' | 'architecture' | 'gpu_driver' | 'vgpus' | 'vram'>
    | undefined;
  private disk: Record<string, string> = {};
  private network: Record<string, string> = {};
  private ip = '127.0.0.1';
  private samples = 0;

  constructor(private readonly options: NodeInfoCollectorOptions) {
    this.si = options.si ?? loadSystemInformation();
  }

  /** Current facts; the first call also gathers the static ones. */
  async sample(): Promise<NodeFacts> {
    const slow = this.samples % (this.options.slowEvery ?? 30) === 0;
    this.samples++;
    if (this.staticFacts === undefined) this.staticFacts = await this.collectStatic();
    if (slow) await this.collectSlow();
    const [load, mem] = await Promise.all([
      this.si.currentLoad().catch(() => undefined),
      this.si.mem().catch(() => undefined),
    ]);
    const total = mem?.total ?? os.totalmem();
    const available = mem?.available ?? os.freemem();
    const facts: NodeFacts = {
      host: this.options.nodeName,
      ip: this.ip,
      port: String(DefaultPort.TUNNEL_UDP),
      ...this.staticFacts,
      system_info: { ...this.staticFacts.system_info, uptime: String(Math.round(os.uptime())) },
      cpu_percent: round2(clampPercent(load?.currentLoad ?? 0)),
      memory_percent: round2(clampPercent(total > 0 ? ((total - available) / total) * 100 : 0)),
      memory: Math.floor(available / (1024 * 1024)),
      disk_info: this.disk,
      network_info: this.network,
      gpu_usage: 0,
      gpu_temp: 0,
      vram_percent: 0,
      virtualization: this.options.virtualization(),
      supported_addons: [],
      csi_drivers: [],
      labels: this.options.labels,
      allocatable_vcpus: Math.min(
        this.staticFacts.vcpus,
        this.options.resources?.vcpus ?? Number.POSITIVE_INFINITY,
      ),
      allocatable_memory: allocatableMemoryMb(
        Math.floor(total / (1024 * 1024)),
        this.options.resources?.memory,
      ),
    };
    if (this.options.location) facts.location = this.options.location;
    return facts;
  }

  private async collectStatic(): Promise<NonNullable<NodeInfoCollector['staticFacts']>> {
    const [osInfo, graphics] = await Promise.all([
      this.si.osInfo().catch(() => undefined),
      this.si.graphics().catch(() => undefined),
    ]);
    const gpus = (graphics?.controllers ?? []).filter((c) => /nvidia/i.test(c.vendor ?? ''));
    const vram = gpus.reduce((sum, g) => sum + (g.vram ?? 0), 0);
    const driver = gpus.find((g) => g.driverVersion)?.driverVersion;
    const osVersion = osInfo
      ? `${osInfo.distro} ${osInfo.release}`.trim()
      : `${os.type()} ${os.release()}`;
    return {
      system_info: {
        kernel_version: osInfo?.kernel ?? os.release(),
        architecture: osInfo?.arch ?? os.machine(),
        os_version: osVersion,
        uptime: String(Math.round(os.uptime())),
        full_stats: JSON.stringify({
          platform: os.platform(),
          distro: osInfo?.distro,
          release: osInfo?.release,
          codename: osInfo?.codename,
          cpu_model: os.cpus()[0]?.model,
          total_memory_mb: Math.floor(os.totalmem() / (1024 * 1024)),
          node: process.version,
        }),
      },
      vcpus: os.availableParallelism(),
      architecture: goArch(),
      gpu_driver: driver ?? '-',
      vgpus: gpus.length,
      vram,
    };
  }

  private async collectSlow(): Promise<void> {
    const [fs, ifaces, ip] = await Promise.all([
      this.si.fsSize().catch(() => []),
      this.si.networkInterfaces().catch(() => []),
      localAddressTowards(this.options.clusterAddress).catch(() => undefined),
    ]);
    const root = fs.find((f) => f.mount === '/') ?? fs[0];
    this.disk = root
      ? {
          path: root.mount,
          size_mb: String(Math.floor(root.size / (1024 * 1024))),
          available_mb: String(
            Math.floor((root.available ?? root.size - root.used) / (1024 * 1024)),
          ),
          used_percent: String(round2(root.use ?? 0)),
        }
      : {};
    const list = (Array.isArray(ifaces) ? ifaces : [ifaces]).filter((i) => !i.internal && i.ip4);
    this.network = {};
    list.forEach((i, n) => {
      this.network[`interface_${n}`] = i.iface;
      this.network[`ip_${n}`] = i.ip4;
    });
    this.ip =
      this.options.address ?? ip ?? list.find((i) => i.default)?.ip4 ?? list[0]?.ip4 ?? this.ip;
  }
}

/**
 * The local IPv4 the kernel would use to reach `host` (a connected UDP socket sends nothing):
 * the address the cluster and other workers know this worker by.
 */
export async function localAddressTowards(
  host: string,
  port = DefaultPort.CLUSTER_HTTP,
): Promise<string> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, host, () => resolve());
    });
    return socket.address().address;
  } finally {
    socket.close();
  }
}

function clampPercent(n: number): number {
  return Number.isFinite(n) ? Math.min(100, Math.max(0, n)) : 0;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
