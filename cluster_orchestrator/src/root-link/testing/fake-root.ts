import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import {
  type ClusterMessage,
  type CS2Message,
  GRPC_LOADER_OPTIONS,
  PROTO_PATHS,
  type Report,
  type RootMessage,
  type SC2Message,
  type ServiceQuery,
  type ServiceTable,
} from '@canopy/contracts/grpc';

/**
 * Test-only: a scriptable stand-in for the root's gRPC services (the cluster's tests may not
 * import the root app). Records registrations, sessions, reports and acks; sends commands.
 */
export interface FakeRootOptions {
  /** Accepted join token. */
  token: string;
  /** The pool a Welcome assigns to a cluster whose Hello names none (default: none). */
  assignPool?: string;
  /** Refuse every registration with this status (e.g. PERMISSION_DENIED). */
  refuseWith?: { code: grpc.status; details: string };
}

type Duplex = grpc.ServerDuplexStream<ClusterMessage, RootMessage>;

export class FakeRoot {
  readonly registrations: CS2Message[] = [];
  readonly reports: Report[] = [];
  readonly acks: { command_id: string; ok: boolean; error: string }[] = [];
  readonly hellos: NonNullable<ClusterMessage['hello']>[] = [];
  readonly queries: ServiceQuery[] = [];
  readonly interestRemovals: string[] = [];
  /**
   * How the fake root answers a ServiceQuery (the answer gets the query's request_id); undefined
   * or an undefined result leaves it unanswered.
   */
  tableFor: ((query: ServiceQuery) => Omit<ServiceTable, 'request_id'> | undefined) | undefined;
  private readonly secrets = new Map<string, string>();
  private readonly streams = new Set<Duplex>();
  private server: grpc.Server | undefined;
  private nextId = 1;

  constructor(
    readonly port: number,
    readonly options: FakeRootOptions,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const loaded = grpc.loadPackageDefinition(
      loadSync(
        [PROTO_PATHS.CLUSTER_REGISTRATION, PROTO_PATHS.CLUSTER_SESSION],
        GRPC_LOADER_OPTIONS,
      ),
    ) as unknown as {
      clusterRegistration: { register_cluster: { service: grpc.ServiceDefinition } };
      canopy: { session: { v1: { ClusterSession: { service: grpc.ServiceDefinition } } } };
    };
    const server = new grpc.Server();
    server.addService(loaded.clusterRegistration.register_cluster.service, {
      handle_init_greeting: (_call: unknown, cb: grpc.sendUnaryData<unknown>) =>
        cb(null, { hello_cluster_manager: 'please send your cluster info' }),
      handle_init_final: (
        call: grpc.ServerUnaryCall<CS2Message, SC2Message>,
        cb: grpc.sendUnaryData<SC2Message>,
      ) => this.onFinal(call.request, cb),
    });
    server.addService(loaded.canopy.session.v1.ClusterSession.service, {
      Connect: (call: Duplex) => this.onConnect(call),
    });
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(this.address, grpc.ServerCredentials.createInsecure(), (error) =>
        error ? reject(error) : resolve(),
      ),
    );
    this.server = server;
  }

  /** Stops hard, like a crashed root: open streams are cancelled. */
  async stop(): Promise<void> {
    for (const s of this.streams) s.destroy();
    this.streams.clear();
    this.server?.forceShutdown();
    this.server = undefined;
  }

  get connected(): number {
    return this.streams.size;
  }

  /** Sends a message to every open session; returns how many got it. */
  broadcast(message: RootMessage): number {
    for (const s of this.streams) s.write(message);
    return this.streams.size;
  }

  /** Forgets every cluster (as if the root lost its database). */
  forgetClusters(): void {
    this.secrets.clear();
  }

  private onFinal(request: CS2Message, cb: grpc.sendUnaryData<SC2Message>): void {
    this.registrations.push(request);
    if (this.options.refuseWith) {
      cb({ code: this.options.refuseWith.code, details: this.options.refuseWith.details });
      return;
    }
    const known = this.secrets.get(request.cluster_id);
    if (known !== undefined) {
      if (known !== request.cluster_secret) {
        cb({ code: grpc.status.PERMISSION_DENIED, details: 'secret does not match' });
        return;
      }
      cb(null, { id: request.cluster_id, cluster_secret: '' });
      return;
    }
    if (request.join_token !== this.options.token) {
      cb({ code: grpc.status.PERMISSION_DENIED, details: 'the join token has been revoked' });
      return;
    }
    const id = (this.nextId++).toString(16).padStart(24, '0');
    const secret = `ccs_secret_${id}`;
    this.secrets.set(id, secret);
    cb(null, { id, cluster_secret: secret });
  }

  private onConnect(call: Duplex): void {
    let welcomed = false;
    call.on('data', (message: ClusterMessage) => {
      if (!welcomed) {
        const hello = message.hello;
        if (!hello || this.secrets.get(hello.cluster_id) !== hello.cluster_secret) {
          call.emit('error', { code: grpc.status.UNAUTHENTICATED, details: 'bad hello' });
          return;
        }
        welcomed = true;
        this.hellos.push(hello);
        this.streams.add(call);
        call.write({
          welcome: {
            cluster_id: hello.cluster_id,
            protocol_version: 1,
            report_interval_seconds: 0,
            worker_subnet_pool: hello.worker_subnet_pool || (this.options.assignPool ?? ''),
          },
        });
        return;
      }
      if (message.report) this.reports.push(message.report);
      if (message.ack) this.acks.push(message.ack);
      if (message.interest_remove) this.interestRemovals.push(message.interest_remove.job_name);
      const query = message.service_query;
      if (query) {
        this.queries.push(query);
        const table = this.tableFor?.(query);
        if (table) call.write({ service_table: { ...table, request_id: query.request_id } });
      }
    });
    const drop = (): void => {
      this.streams.delete(call);
    };
    call.on('end', () => {
      drop();
      call.end();
    });
    call.on('cancelled', drop);
    call.on('error', drop);
  }
}
