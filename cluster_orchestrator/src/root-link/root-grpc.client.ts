import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import {
  type ClusterMessage,
  type CS1Message,
  type CS2Message,
  GRPC_LOADER_OPTIONS,
  PROTO_PATHS,
  type RootMessage,
  type SC1Message,
  type SC2Message,
} from '@canopy/contracts/grpc';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ClusterConfig } from '../config/cluster-config';
import { readPem } from '@canopy/common';

export type SessionCall = grpc.ClientDuplexStream<ClusterMessage, RootMessage>;

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response?: Res) => void,
) => grpc.ClientUnaryCall;

interface RegistrationStub extends grpc.Client {
  handle_init_greeting: UnaryMethod<CS1Message, SC1Message>;
  handle_init_final: UnaryMethod<CS2Message, SC2Message>;
}

interface SessionStub extends grpc.Client {
  Connect(metadata: grpc.Metadata, options?: grpc.CallOptions): SessionCall;
}

type StubConstructor<T> = new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ChannelOptions,
) => T;

/**
 * Keepalive pings find a dead root (or a silently dropped NAT mapping) within ~15 s even when no
 * report is due; the session stream is always open, so pings never run without a call.
 */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  // The session has its own backoff; keep the channel's reconnects short so it follows it.
  'grpc.initial_reconnect_backoff_ms': 200,
  'grpc.max_reconnect_backoff_ms': 2_000,
};

/**
 * The cluster's only gRPC I/O: the root's registration service (Oakestra's two unary calls)
 * and the session stream. Plain @grpc/grpc-js over the contracts' .proto files (the cluster is
 * the CLIENT, which Nest's microservice transport does not model for bidirectional streams
 * with our own reconnect policy).
 */
@Injectable()
export class RootGrpcClient implements OnApplicationShutdown {
  private readonly registration: RegistrationStub;
  private readonly session: SessionStub;

  constructor(config: ClusterConfig) {
    const definition = loadSync(
      [PROTO_PATHS.CLUSTER_REGISTRATION, PROTO_PATHS.CLUSTER_SESSION],
      GRPC_LOADER_OPTIONS,
    );
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      clusterRegistration: { register_cluster: StubConstructor<RegistrationStub> };
      canopy: { session: { v1: { ClusterSession: StubConstructor<SessionStub> } } };
    };
    const credentials = channelCredentials(config);
    this.registration = new loaded.clusterRegistration.register_cluster(
      config.ROOT_URL,
      credentials,
      CHANNEL_OPTIONS,
    );
    this.session = new loaded.canopy.session.v1.ClusterSession(
      config.ROOT_URL,
      credentials,
      CHANNEL_OPTIONS,
    );
  }

  greet(request: CS1Message, timeoutMs: number): Promise<SC1Message> {
    return unary(this.registration, this.registration.handle_init_greeting, request, timeoutMs);
  }

  finalize(request: CS2Message, timeoutMs: number): Promise<SC2Message> {
    return unary(this.registration, this.registration.handle_init_final, request, timeoutMs);
  }

  /** Opens the session stream (the first message written must be a Hello). */
  connect(): SessionCall {
    return this.session.Connect(new grpc.Metadata());
  }

  onApplicationShutdown(): void {
    this.registration.close();
    this.session.close();
  }
}

function unary<Req, Res>(
  client: grpc.Client,
  method: UnaryMethod<Req, Res>,
  request: Req,
  timeoutMs: number,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(
      client,
      request,
      new grpc.Metadata(),
      { deadline: Date.now() + timeoutMs },
      (error, response) => {
        if (error) reject(error);
        else if (response === undefined) reject(new Error('empty response'));
        else resolve(response);
      },
    );
  });
}

/** Plain on loopback/dev; TLS when ROOT_TLS_CA is set; mutual TLS with ROOT_TLS_CERT/KEY. */
export function channelCredentials(config: ClusterConfig): grpc.ChannelCredentials {
  if (config.ROOT_TLS_CA === undefined) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(
    readPem(config.ROOT_TLS_CA),
    config.ROOT_TLS_KEY !== undefined ? readPem(config.ROOT_TLS_KEY) : null,
    config.ROOT_TLS_CERT !== undefined ? readPem(config.ROOT_TLS_CERT) : null,
  );
}

/** Status codes of errors gRPC calls reject with (undefined for non-gRPC errors). */
export function grpcCode(error: unknown): grpc.status | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? (code as grpc.status) : undefined;
}

/** The server's message without grpc-js' "16 UNAUTHENTICATED: " prefix. */
export function grpcDetails(error: unknown): string {
  const e = error as { details?: unknown; message?: unknown } | null;
  if (typeof e?.details === 'string' && e.details !== '') return e.details;
  return typeof e?.message === 'string' ? e.message : String(error);
}

export { grpc };
