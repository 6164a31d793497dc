import { GRPC_LOADER_OPTIONS, GrpcPackage, PROTO_PATHS } from '@canopy/contracts/grpc';
import { ServerCredentials } from '@grpc/grpc-js';
import { type GrpcOptions, Transport } from '@nestjs/microservices';
import type { RootConfig } from '../config/root-config';
import { readPem } from '@canopy/common';

/**
 * The Nest gRPC transport for clusters (hybrid app: REST and gRPC in one process): Oakestra's
 * registration service and Canopy's session service, on ROOT_GRPC_HOST:ROOT_GRPC_PORT. Plain
 * unless ROOT_GRPC_TLS_CERT/KEY are set (TLS); with ROOT_GRPC_TLS_CA clients must present a
 * certificate signed by it (mutual TLS).
 */
export function grpcServerOptions(config: RootConfig): GrpcOptions {
  return {
    transport: Transport.GRPC,
    options: {
      package: [GrpcPackage.CLUSTER_REGISTRATION, GrpcPackage.CLUSTER_SESSION],
      protoPath: [PROTO_PATHS.CLUSTER_REGISTRATION, PROTO_PATHS.CLUSTER_SESSION],
      loader: { ...GRPC_LOADER_OPTIONS },
      url: `${hostForUrl(config.ROOT_GRPC_HOST)}:${config.ROOT_GRPC_PORT}`,
      credentials: serverCredentials(config),
      // Pings find clusters whose connection died silently; the session stream is always open.
      keepalive: { keepaliveTimeMs: 10_000, keepaliveTimeoutMs: 5_000 },
      // Cancel in-flight streams on shutdown instead of waiting for clusters to hang up.
      gracefulShutdown: false,
    },
  };
}

export function serverCredentials(config: RootConfig): ServerCredentials {
  if (config.ROOT_GRPC_TLS_CERT === undefined || config.ROOT_GRPC_TLS_KEY === undefined) {
    return ServerCredentials.createInsecure();
  }
  const ca = config.ROOT_GRPC_TLS_CA !== undefined ? readPem(config.ROOT_GRPC_TLS_CA) : null;
  return ServerCredentials.createSsl(
    ca,
    [
      {
        cert_chain: readPem(config.ROOT_GRPC_TLS_CERT),
        private_key: readPem(config.ROOT_GRPC_TLS_KEY),
      },
    ],
    ca !== null, // mutual TLS exactly when a client CA is configured
  );
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
