// This spec pins the .proto files to reference/oakestra.md §4.1 so any drift breaks the build.
// It loads them the way the apps will, through @grpc/proto-loader: a test-only import of a
// server package, never shipped by this library, hence the boundary exception below.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { loadSync, type PackageDefinition, type ServiceDefinition } from '@grpc/proto-loader';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CLUSTER_REGISTRATION_PACKAGE_NAME,
  CLUSTER_SESSION_SERVICE_NAME,
  CANOPY_SESSION_V1_PACKAGE_NAME,
  GRPC_LOADER_OPTIONS,
  GrpcPackage,
  PROTO_DIR_ENV,
  PROTO_PATHS,
  protoPaths,
  REGISTER_CLUSTER_SERVICE_NAME,
  resolveProtoDir,
  type CS2Message,
  type DeployInstance,
  type RootMessage,
} from './grpc';

interface FieldDescriptor {
  name: string;
  number: number;
  type: string;
  label: string;
  typeName: string;
  oneofIndex?: number;
}

function fields(
  definition: PackageDefinition,
  typeName: string,
): Record<string, [number, string, string]> {
  const type = (definition[typeName] as { type?: { field: FieldDescriptor[] } } | undefined)?.type;
  if (type === undefined) throw new Error(`${typeName} not found`);
  return Object.fromEntries(
    type.field.map((f) => [
      f.name,
      [f.number, f.typeName !== '' ? f.typeName : f.type, f.label.replace('LABEL_', '')],
    ]),
  );
}

describe('proto files', () => {
  const registration = loadSync(PROTO_PATHS.CLUSTER_REGISTRATION, GRPC_LOADER_OPTIONS);
  const session = loadSync(PROTO_PATHS.CLUSTER_SESSION, GRPC_LOADER_OPTIONS);

  it('are found where PROTO_PATHS says', () => {
    for (const file of Object.values(PROTO_PATHS)) expect(fs.existsSync(file)).toBe(true);
    expect(path.isAbsolute(PROTO_PATHS.CLUSTER_SESSION)).toBe(true);
  });

  it('clusterRegistration.register_cluster has the Oakestra rpcs', () => {
    expect(CLUSTER_REGISTRATION_PACKAGE_NAME).toBe(GrpcPackage.CLUSTER_REGISTRATION);
    const service = registration[
      `clusterRegistration.${REGISTER_CLUSTER_SERVICE_NAME}`
    ] as ServiceDefinition;
    expect(Object.keys(service).sort()).toEqual(['handle_init_final', 'handle_init_greeting']);
    expect(service['handle_init_greeting']).toMatchObject({
      path: '/clusterRegistration.register_cluster/handle_init_greeting',
      requestStream: false,
      responseStream: false,
    });
    expect(service['handle_init_final']?.path).toBe(
      '/clusterRegistration.register_cluster/handle_init_final',
    );
    const greeting = service['handle_init_greeting'] as unknown as {
      requestType: { type: { name: string } };
      responseType: { type: { name: string } };
    };
    expect([greeting.requestType.type.name, greeting.responseType.type.name]).toEqual([
      'CS1Message',
      'SC1Message',
    ]);
    const final = service['handle_init_final'] as unknown as {
      requestType: { type: { name: string } };
      responseType: { type: { name: string } };
    };
    expect([final.requestType.type.name, final.responseType.type.name]).toEqual([
      'CS2Message',
      'SC2Message',
    ]);
  });

  it('registration messages keep the Oakestra field names, numbers and types', () => {
    expect(fields(registration, 'clusterRegistration.CS1Message')).toEqual({
      hello_service_manager: [1, 'TYPE_STRING', 'OPTIONAL'],
    });
    expect(fields(registration, 'clusterRegistration.SC1Message')).toEqual({
      hello_cluster_manager: [1, 'TYPE_STRING', 'OPTIONAL'],
    });
    expect(fields(registration, 'clusterRegistration.KeyValue')).toEqual({
      key: [1, 'TYPE_STRING', 'OPTIONAL'],
      value: [2, 'TYPE_STRING', 'OPTIONAL'],
    });
    expect(fields(registration, 'clusterRegistration.CS2Message')).toEqual({
      manager_port: [1, 'TYPE_INT32', 'OPTIONAL'],
      network_component_port: [2, 'TYPE_INT32', 'OPTIONAL'],
      cluster_name: [3, 'TYPE_STRING', 'OPTIONAL'],
      cluster_info: [4, 'KeyValue', 'REPEATED'],
      cluster_location: [5, 'TYPE_STRING', 'OPTIONAL'],
      cluster_address: [6, 'TYPE_STRING', 'OPTIONAL'],
      join_token: [100, 'TYPE_STRING', 'OPTIONAL'],
      cluster_id: [101, 'TYPE_STRING', 'OPTIONAL'],
      cluster_secret: [102, 'TYPE_STRING', 'OPTIONAL'],
    });
    expect(fields(registration, 'clusterRegistration.SC2Message')).toEqual({
      id: [1, 'TYPE_STRING', 'OPTIONAL'],
      cluster_secret: [100, 'TYPE_STRING', 'OPTIONAL'],
    });
  });

  it('ClusterSession.Connect is a bidirectional stream', () => {
    expect(CANOPY_SESSION_V1_PACKAGE_NAME).toBe(GrpcPackage.CLUSTER_SESSION);
    const service = session[
      `canopy.session.v1.${CLUSTER_SESSION_SERVICE_NAME}`
    ] as ServiceDefinition;
    expect(service['Connect']).toMatchObject({
      path: '/canopy.session.v1.ClusterSession/Connect',
      requestStream: true,
      responseStream: true,
    });
  });

  it('session messages have the agreed shape', () => {
    expect(fields(session, 'canopy.session.v1.ClusterMessage')).toEqual({
      hello: [1, 'Hello', 'OPTIONAL'],
      report: [2, 'Report', 'OPTIONAL'],
      ack: [3, 'Ack', 'OPTIONAL'],
      service_query: [4, 'ServiceQuery', 'OPTIONAL'],
      interest_remove: [5, 'InterestRemove', 'OPTIONAL'],
    });
    expect(fields(session, 'canopy.session.v1.RootMessage')).toEqual({
      welcome: [1, 'Welcome', 'OPTIONAL'],
      deploy_instance: [2, 'DeployInstance', 'OPTIONAL'],
      undeploy_instance: [3, 'UndeployInstance', 'OPTIONAL'],
      network_update: [4, 'NetworkUpdate', 'OPTIONAL'],
      service_table: [5, 'ServiceTable', 'OPTIONAL'],
      remote_peers: [6, 'RemotePeers', 'OPTIONAL'],
    });
    expect(Object.keys(fields(session, 'canopy.session.v1.Report'))).toEqual([
      'cluster_id',
      'seq',
      'aggregate',
      'aggregation_per_architecture',
      'instances',
      'tunnel_peers',
    ]);
    expect(fields(session, 'canopy.session.v1.ServiceQuery')).toEqual({
      request_id: [1, 'TYPE_STRING', 'OPTIONAL'],
      job_name: [2, 'TYPE_STRING', 'OPTIONAL'],
      service_ip: [3, 'TYPE_STRING', 'OPTIONAL'],
    });
    expect(Object.keys(fields(session, 'canopy.session.v1.TunnelPeer'))).toEqual([
      'worker_id',
      'subnet',
      'endpoint',
      'port',
      'public_key',
      'cluster_id',
    ]);
    expect(Object.keys(fields(session, 'canopy.session.v1.ResourceAggregate'))).toEqual(
      expect.arrayContaining([
        'cpu_percent',
        'memory_percent',
        'vcpus',
        'memory',
        'vram',
        'vgpus',
        'virtualization',
        'supported_addons',
        'csi_drivers',
        'gpu_drivers',
        'active_nodes',
      ]),
    );
    expect(Object.keys(fields(session, 'canopy.session.v1.InstanceReport'))).toEqual(
      expect.arrayContaining([
        'service_id',
        'job_name',
        'instance_number',
        'status',
        'status_detail',
        'worker_id',
        'host_ip',
        'cpu_percent',
        'memory_percent',
        'logs',
        'namespace_ip',
      ]),
    );
    expect(fields(session, 'canopy.session.v1.DeployInstance')).toEqual({
      command_id: [1, 'TYPE_STRING', 'OPTIONAL'],
      service_id: [2, 'TYPE_STRING', 'OPTIONAL'],
      instance_number: [3, 'TYPE_INT32', 'OPTIONAL'],
      job: [4, 'TYPE_STRING', 'OPTIONAL'],
      generation: [5, 'TYPE_UINT64', 'OPTIONAL'],
    });
  });

  it('generated types use the wire (snake_case) names', () => {
    // Compile-time check: these literals only type-check if the generated interfaces match.
    const cs2: CS2Message = {
      manager_port: 10100,
      network_component_port: 10110,
      cluster_name: 'c1',
      cluster_info: [{ key: 'k', value: 'v' }],
      cluster_location: '48.1,11.6,1000',
      cluster_address: '',
      join_token: 't',
      cluster_id: '',
      cluster_secret: '',
    };
    const deploy: DeployInstance = {
      command_id: 'c',
      service_id: 's',
      instance_number: 0,
      job: '{}',
      generation: 1,
    };
    const message: RootMessage = { deploy_instance: deploy };
    expect(cs2.cluster_info).toHaveLength(1);
    expect(message.deploy_instance?.generation).toBe(1);
  });
});

describe('resolveProtoDir', () => {
  it('defaults to the proto directory next to the module', () => {
    expect(resolveProtoDir({})).toBe(path.join(__dirname, 'proto'));
    expect(resolveProtoDir({ [PROTO_DIR_ENV]: '' })).toBe(path.join(__dirname, 'proto'));
  });

  it('honours CANOPY_PROTO_DIR', () => {
    expect(resolveProtoDir({ [PROTO_DIR_ENV]: '/opt/canopy/proto' })).toBe('/opt/canopy/proto');
    expect(protoPaths('/opt/canopy/proto').CLUSTER_SESSION).toBe(
      '/opt/canopy/proto/cluster_session.proto',
    );
  });
});
