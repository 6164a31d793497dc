import {
  isValidTopicSegment,
  MqttSubscriptions,
  MqttTopics,
  NodeTopic,
  nodeEngineClientId,
  nodeTopic,
  parseNodeStatusPayload,
  parseTopic,
} from './mqtt-topics';

const NODE = '665f1c2e9b1e8a0012345678';

describe('MQTT topics', () => {
  it.each<[keyof typeof MqttTopics, string]>([
    ['nodeInformation', `nodes/${NODE}/information`],
    ['nodeJobsResources', `nodes/${NODE}/jobs/resources`],
    ['nodeJob', `nodes/${NODE}/job`],
    ['nodeControlDeploy', `nodes/${NODE}/control/deploy`],
    ['nodeControlDelete', `nodes/${NODE}/control/delete`],
    ['nodeControlError', `nodes/${NODE}/control/error`],
    ['nodeStatus', `nodes/${NODE}/status`],
    ['netSubnet', `nodes/${NODE}/net/subnet`],
    ['netSubnetworkResult', `nodes/${NODE}/net/subnetwork/result`],
    ['netTableQueryRequest', `nodes/${NODE}/net/tablequery/request`],
    ['netTableQueryResult', `nodes/${NODE}/net/tablequery/result`],
    ['netServiceDeployed', `nodes/${NODE}/net/service/deployed`],
    ['netServiceAddressChanged', `nodes/${NODE}/net/service/address-changed`],
    ['netServiceUndeployed', `nodes/${NODE}/net/service/undeployed`],
    ['netInterestRemove', `nodes/${NODE}/net/interest/remove`],
  ])('%s builds the Oakestra topic and parses back', (builder, expected) => {
    const topic = MqttTopics[builder](NODE);
    expect(topic).toBe(expected);
    const parsed = parseTopic(topic);
    expect(parsed).toEqual({
      scope: 'node',
      nodeId: NODE,
      kind: expected.slice(`nodes/${NODE}/`.length),
    });
  });

  it('covers every node topic kind with a builder', () => {
    const built = Object.values(MqttTopics).map((build) => build(NODE));
    for (const kind of Object.values(NodeTopic)) expect(built).toContain(nodeTopic(NODE, kind));
  });

  it('builds and parses the job updates topic', () => {
    const topic = MqttTopics.jobUpdatesAvailable('clientsrvr.test.nginx.test');
    expect(topic).toBe('jobs/clientsrvr.test.nginx.test/updates_available');
    expect(parseTopic(topic)).toEqual({
      scope: 'job',
      jobName: 'clientsrvr.test.nginx.test',
      kind: 'updates_available',
    });
  });

  it.each(['', 'a/b', '+', '#', 'a+b', 'a#', 'a\0b', 'x'.repeat(257)])(
    'refuses node id %j in builders',
    (id) => {
      expect(() => MqttTopics.nodeInformation(id)).toThrow(RangeError);
      expect(() => MqttTopics.jobUpdatesAvailable(id)).toThrow(RangeError);
      expect(() => nodeEngineClientId(id)).toThrow(RangeError);
      expect(isValidTopicSegment(id)).toBe(false);
    },
  );

  it.each<unknown>([
    'nodes/+/information',
    'nodes/#',
    'nodes//information',
    'nodes/a/b/information',
    'nodes/a/information/extra',
    'nodes/a/unknown',
    'nodes/a',
    'nodes/a/',
    'nodes/a/net',
    'nodes/a/net/#',
    'node/a/information',
    '/nodes/a/information',
    'jobs/a/updates',
    'jobs/+/updates_available',
    'jobs/a/b/updates_available',
    '',
    42,
    null,
    `nodes/${'x'.repeat(2000)}/information`,
  ])('parses %j as not ours', (topic) => {
    expect(parseTopic(topic)).toBeNull();
  });

  it('has the subscriptions of the cluster and the worker', () => {
    expect(MqttSubscriptions.CLUSTER_MANAGER).toEqual([
      'nodes/+/information',
      'nodes/+/job',
      'nodes/+/jobs/resources',
      'nodes/+/status',
    ]);
    expect(MqttSubscriptions.CLUSTER_NETWORK).toEqual(['nodes/+/net/#']);
    expect(MqttSubscriptions.CLUSTER_SERVICE_REPORTS).toEqual([
      'nodes/+/net/service/deployed',
      'nodes/+/net/service/undeployed',
    ]);
    expect(MqttSubscriptions.nodeEngine(NODE)).toEqual([
      `nodes/${NODE}/control/deploy`,
      `nodes/${NODE}/control/delete`,
      `nodes/${NODE}/control/error`,
    ]);
    expect(MqttSubscriptions.netManager(NODE)).toEqual([
      `nodes/${NODE}/net/subnetwork/result`,
      `nodes/${NODE}/net/tablequery/result`,
      `nodes/${NODE}/net/peers`,
      `nodes/${NODE}/net/services`,
    ]);
    expect(MqttTopics.netServices(NODE)).toBe(`nodes/${NODE}/net/services`);
    expect(parseTopic(`nodes/${NODE}/net/services`)).toEqual({
      scope: 'node',
      nodeId: NODE,
      kind: NodeTopic.NET_SERVICES,
    });
    expect(nodeEngineClientId(NODE)).toBe(`${NODE}-ne`);
  });

  it('reads node status payloads', () => {
    expect(parseNodeStatusPayload('online')).toBe('online');
    expect(parseNodeStatusPayload(new TextEncoder().encode('offline'))).toBe('offline');
    expect(parseNodeStatusPayload('ONLINE')).toBeNull();
    expect(parseNodeStatusPayload('"online"')).toBeNull();
    expect(parseNodeStatusPayload('x'.repeat(10_000))).toBeNull();
  });
});
