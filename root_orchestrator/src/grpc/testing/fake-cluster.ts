import { instanceKey } from '@canopy/contracts';
import type { InstanceReport, ResourceAggregate, RootMessage } from '@canopy/contracts/grpc';
import { RawClusterClient, type SessionProbe } from './raw-cluster-client';

/**
 * Test-only: a minimal cluster over the real protocol: registers, keeps a session, applies
 * deploy/undeploy to an in-memory instance set (acknowledging each), and reports that set with
 * a capacity minus the held reservations every `reportMs`.
 */
export interface FakeCapacity {
  vcpus: number;
  memory: number;
  architecture: string;
}

export interface HeldInstance {
  service_id: string;
  instance_number: number;
  generation: number;
  job: Record<string, unknown>;
}

export class FakeCluster {
  readonly held = new Map<string, HeldInstance>();
  readonly commands: RootMessage[] = [];
  id = '';
  private secret = '';
  private session: SessionProbe | undefined;
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;
  private readonly client: RawClusterClient;

  constructor(
    address: string,
    readonly name: string,
    readonly location: string,
    readonly capacity: FakeCapacity,
    private readonly token: string,
    private readonly reportMs = 300,
  ) {
    this.client = new RawClusterClient(address);
  }

  async connect(): Promise<void> {
    const answer = await this.client.register({
      cluster_name: this.name,
      cluster_location: this.location,
      join_token: this.token,
      cluster_id: this.id,
      cluster_secret: this.secret,
    });
    this.id = answer.id;
    if (answer.cluster_secret) this.secret = answer.cluster_secret;
    const session = this.client.connect();
    this.session = session;
    session.call.on('data', (message: RootMessage) => this.onMessage(message));
    session.send({
      hello: {
        cluster_id: this.id,
        cluster_secret: this.secret,
        protocol_version: 1,
        report_interval_ms: this.reportMs,
        worker_subnet_pool: '',
      },
    });
    await session.next((m) => Boolean(m.welcome));
    this.report();
    this.timer = setInterval(() => this.report(), this.reportMs);
  }

  /** Ends the session like a crash would (the root sees the stream go). */
  disconnect(): void {
    clearInterval(this.timer);
    this.session?.close();
    this.session = undefined;
  }

  close(): void {
    this.disconnect();
    this.client.close();
  }

  keys(): string[] {
    return [...this.held.keys()].sort();
  }

  private onMessage(message: RootMessage): void {
    if (message.welcome) return;
    this.commands.push(message);
    const deploy = message.deploy_instance;
    const undeploy = message.undeploy_instance;
    if (deploy) {
      const key = instanceKey(deploy.service_id, deploy.instance_number);
      const held = this.held.get(key);
      if (!held || held.generation < deploy.generation) {
        this.held.set(key, {
          service_id: deploy.service_id,
          instance_number: deploy.instance_number,
          generation: deploy.generation,
          job: JSON.parse(deploy.job) as Record<string, unknown>,
        });
      }
      this.session?.send({ ack: { command_id: deploy.command_id, ok: true, error: '' } });
    } else if (undeploy) {
      for (const [key, held] of this.held) {
        if (held.service_id !== undeploy.service_id) continue;
        if (
          undeploy.instance_number === -1 ||
          (held.instance_number === undeploy.instance_number &&
            held.generation <= undeploy.generation)
        ) {
          this.held.delete(key);
        }
      }
      this.session?.send({ ack: { command_id: undeploy.command_id, ok: true, error: '' } });
    }
  }

  report(): void {
    if (!this.session) return;
    let vcpus = this.capacity.vcpus;
    let memory = this.capacity.memory;
    const instances: InstanceReport[] = [];
    for (const h of this.held.values()) {
      vcpus -= Number(h.job['vcpus'] ?? 0);
      memory -= Number(h.job['memory'] ?? 0);
      instances.push({
        service_id: h.service_id,
        job_name: String(h.job['job_name'] ?? ''),
        instance_number: h.instance_number,
        status: 'CLUSTER_SCHEDULED',
        status_detail: '',
        worker_id: '',
        host_ip: '',
        cpu_percent: 0,
        memory_percent: 0,
        logs: '',
        generation: h.generation,
        namespace_ip: '',
      });
    }
    const aggregate: ResourceAggregate = {
      cpu_percent: 0,
      memory_percent: 0,
      vcpus: Math.max(0, vcpus),
      memory: Math.max(0, memory),
      vram: 0,
      vgpus: 0,
      virtualization: ['docker'],
      supported_addons: [],
      csi_drivers: [],
      gpu_drivers: [],
      active_nodes: 1,
      vram_percent: 0,
      gpu_temp: 0,
      gpu_percent: 0,
    };
    this.session.send({
      report: {
        cluster_id: this.id,
        seq: ++this.seq,
        aggregate,
        aggregation_per_architecture: { [this.capacity.architecture]: aggregate },
        instances,
        tunnel_peers: [],
      },
    });
  }
}
