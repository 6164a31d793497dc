import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import {
  type ClusterMessage,
  type CS2Message,
  GRPC_LOADER_OPTIONS,
  PROTO_PATHS,
  type RootMessage,
  type SC1Message,
  type SC2Message,
} from '@canopy/contracts/grpc';

/**
 * Test-only: a bare gRPC client of the root's cluster services, to exercise the protocol
 * precisely (wrong secrets, missing Hello, ...) without a cluster app.
 */
type Unary<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response?: Res) => void,
) => grpc.ClientUnaryCall;

interface Stubs {
  registration: grpc.Client & {
    handle_init_greeting: Unary<{ hello_service_manager: string }, SC1Message>;
    handle_init_final: Unary<Partial<CS2Message>, SC2Message>;
  };
  session: grpc.Client & {
    Connect(metadata: grpc.Metadata): grpc.ClientDuplexStream<ClusterMessage, RootMessage>;
  };
}

export class RawClusterClient {
  private readonly stubs: Stubs;

  constructor(
    address: string,
    credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
  ) {
    const loaded = grpc.loadPackageDefinition(
      loadSync(
        [PROTO_PATHS.CLUSTER_REGISTRATION, PROTO_PATHS.CLUSTER_SESSION],
        GRPC_LOADER_OPTIONS,
      ),
    ) as unknown as {
      clusterRegistration: { register_cluster: new (...a: unknown[]) => Stubs['registration'] };
      canopy: { session: { v1: { ClusterSession: new (...a: unknown[]) => Stubs['session'] } } };
    };
    this.stubs = {
      registration: new loaded.clusterRegistration.register_cluster(address, credentials),
      session: new loaded.canopy.session.v1.ClusterSession(address, credentials),
    };
  }

  greet(text: string): Promise<SC1Message> {
    return this.unary(this.stubs.registration.handle_init_greeting, {
      hello_service_manager: text,
    });
  }

  finalize(request: Partial<CS2Message>): Promise<SC2Message> {
    return this.unary(this.stubs.registration.handle_init_final, {
      manager_port: 10100,
      network_component_port: 0,
      cluster_location: '',
      cluster_info: [],
      ...request,
    });
  }

  /** Both handshake steps, as a cluster does them. */
  async register(request: Partial<CS2Message> & { cluster_name: string }): Promise<SC2Message> {
    await this.greet(
      JSON.stringify({
        cluster_name: request.cluster_name,
        location: request.cluster_location ?? '',
      }),
    );
    return this.finalize(request);
  }

  connect(): SessionProbe {
    return new SessionProbe(this.stubs.session.Connect(new grpc.Metadata()));
  }

  close(): void {
    this.stubs.registration.close();
    this.stubs.session.close();
  }

  private unary<Req, Res>(method: Unary<Req, Res>, request: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      method.call(
        this.stubs.registration,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + 10_000 },
        (error, response) => (error ? reject(error) : resolve(response as Res)),
      );
    });
  }
}

/** One session stream with its received messages and final status collected. */
export class SessionProbe {
  readonly received: RootMessage[] = [];
  readonly ended: Promise<grpc.StatusObject>;
  private waiters: (() => void)[] = [];

  constructor(readonly call: grpc.ClientDuplexStream<ClusterMessage, RootMessage>) {
    call.on('data', (m: RootMessage) => {
      this.received.push(m);
      for (const w of this.waiters.splice(0)) w();
    });
    call.on('error', () => undefined); // the status below carries it
    this.ended = new Promise((resolve) => call.on('status', resolve));
  }

  send(message: ClusterMessage): void {
    this.call.write(message);
  }

  /** Resolves with the first received message matching `predicate` (waits up to timeoutMs). */
  async next(predicate: (m: RootMessage) => boolean, timeoutMs = 10_000): Promise<RootMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching message within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  close(): void {
    this.call.end();
    this.call.cancel();
  }
}
