/**
 * Second entry point, `@canopy/contracts/grpc`: gRPC types generated from src/proto and what
 * the Nest gRPC transport needs to load the .proto files at runtime.
 *
 * Kept out of `src/index.ts` because the generated code imports @nestjs/microservices and
 * @grpc/grpc-js, which the node engine must not pull in.
 *
 * Loading protos at runtime: apps are bundled by webpack into dist/, where this file's
 * directory no longer contains the protos. Every app that serves or dials gRPC must copy
 * `libs/contracts/src/proto/*.proto` into `<outputPath>/proto` (webpack `assets`: `{ input:
 * 'libs/contracts/src/proto', glob: '*.proto', output: 'proto' }`) or set CANOPY_PROTO_DIR.
 */
import * as path from 'node:path';

export {
  CLUSTER_REGISTRATION_PACKAGE_NAME,
  REGISTER_CLUSTER_SERVICE_NAME,
  register_clusterControllerMethods as RegisterClusterControllerMethods,
  type register_clusterClient as RegisterClusterClient,
  type register_clusterController as RegisterClusterController,
  type CS1Message,
  type SC1Message,
  type CS2Message,
  type SC2Message,
  type KeyValue,
} from './generated/cluster_registration';

export {
  CANOPY_SESSION_V1_PACKAGE_NAME,
  CLUSTER_SESSION_SERVICE_NAME,
  ClusterSessionControllerMethods,
  type ClusterSessionClient,
  type ClusterSessionController,
  type ClusterMessage,
  type Hello,
  type Report,
  type ResourceAggregate,
  type InstanceReport,
  type Ack,
  type RootMessage,
  type Welcome,
  type DeployInstance,
  type UndeployInstance,
  type NetworkUpdate,
  type TunnelPeer,
  type ServiceQuery,
  type InterestRemove,
  type ServiceTable,
  type ServiceAddress,
  type ServiceTableInstance,
  type RemotePeers,
} from './generated/cluster_session';

/** Version spoken in Hello/Welcome; bump only for changes an older peer cannot ignore. */
export const CLUSTER_SESSION_PROTOCOL_VERSION = 1;

/** Protobuf package of each proto file (what Nest's `package` option expects). */
export const GrpcPackage = {
  CLUSTER_REGISTRATION: 'clusterRegistration',
  CLUSTER_SESSION: 'canopy.session.v1',
} as const;

export const PROTO_FILES = {
  CLUSTER_REGISTRATION: 'cluster_registration.proto',
  CLUSTER_SESSION: 'cluster_session.proto',
} as const;

/** Environment variable that overrides where the .proto files are read from. */
export const PROTO_DIR_ENV = 'CANOPY_PROTO_DIR';

/**
 * Directory holding the .proto files: `$CANOPY_PROTO_DIR` if set, else `proto/` next to this
 * module (src/proto in the workspace and under Jest; `<outputPath>/proto` in a webpack bundle,
 * where `__dirname` is the bundle's directory).
 */
export function resolveProtoDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env[PROTO_DIR_ENV];
  return path.resolve(
    override !== undefined && override !== '' ? override : path.join(__dirname, 'proto'),
  );
}

/** Absolute paths of the .proto files, resolved when this module is loaded. */
export const PROTO_PATHS = protoPaths();

export function protoPaths(dir: string = resolveProtoDir()): {
  CLUSTER_REGISTRATION: string;
  CLUSTER_SESSION: string;
} {
  return {
    CLUSTER_REGISTRATION: path.join(dir, PROTO_FILES.CLUSTER_REGISTRATION),
    CLUSTER_SESSION: path.join(dir, PROTO_FILES.CLUSTER_SESSION),
  };
}

/**
 * @grpc/proto-loader options every loader of these protos must use (Nest: `options.loader`).
 * keepCase: the generated types keep Oakestra's snake_case field names. longs: uint64 fields
 * are typed `number` (ts-proto forceLong=number). defaults/arrays/objects: absent scalars,
 * repeated and map fields arrive as '', 0, [], {} as the generated types promise.
 */
export const GRPC_LOADER_OPTIONS = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: true,
} as const;
