/**
 * MQTT topic layout between a cluster and its workers (reference/oakestra.md §5.2), plus
 * Canopy's additive `nodes/<id>/status`. Build and parse topics only through this file: a topic
 * is an authorization boundary (the broker's ACL lets a worker touch only `nodes/<its id>/...`),
 * so ids are checked before they become topic levels.
 */

/** QoS for every Canopy/Oakestra topic (Oakestra's node engine and net manager use 1). */
export const MQTT_QOS = 1;

const NODES = 'nodes';
const JOBS = 'jobs';
const UPDATES_AVAILABLE = 'updates_available';

/** What follows `nodes/<id>/` in each per-node topic. */
export const NodeTopic = {
  /** W->C every 2 s: node facts (the heartbeat). */
  INFORMATION: 'information',
  /** W->C every 2 s: per-instance usage. */
  JOBS_RESOURCES: 'jobs/resources',
  /** W->C on change: one instance's status. */
  JOB: 'job',
  /** C->W: deploy one instance. */
  CONTROL_DEPLOY: 'control/deploy',
  /** C->W: remove one instance. */
  CONTROL_DELETE: 'control/delete',
  /** C->W: e.g. "Node not registered to the cluster". */
  CONTROL_ERROR: 'control/error',
  /** Canopy: retained `online` / `offline` (the latter as MQTT last will). */
  STATUS: 'status',
  /** NM->CSM: subnet request. */
  NET_SUBNET: 'net/subnet',
  /** CSM->NM: subnet assignment. */
  NET_SUBNETWORK_RESULT: 'net/subnetwork/result',
  /** NM->CSM: service table query. */
  NET_TABLEQUERY_REQUEST: 'net/tablequery/request',
  /** CSM->NM: service table answer. */
  NET_TABLEQUERY_RESULT: 'net/tablequery/result',
  /** NM->CSM: an instance's network is up. */
  NET_SERVICE_DEPLOYED: 'net/service/deployed',
  /** NM->CSM: the worker's public address changed. */
  NET_SERVICE_ADDRESS_CHANGED: 'net/service/address-changed',
  /** NM->CSM: an instance's network was removed. */
  NET_SERVICE_UNDEPLOYED: 'net/service/undeployed',
  /** NM->CSM: the worker no longer needs a service's table. */
  NET_INTEREST_REMOVE: 'net/interest/remove',
  /** Canopy, C->W retained: the worker's tunnel peers (NetPeersDto). */
  NET_PEERS: 'net/peers',
  /** Canopy, C->W retained: the cluster's service table (NetServicesDto). */
  NET_SERVICES: 'net/services',
} as const;
export type NodeTopicKind = (typeof NodeTopic)[keyof typeof NodeTopic];

const NODE_TOPIC_KINDS: ReadonlySet<string> = new Set(Object.values(NodeTopic));

/** Payloads of `nodes/<id>/status` (plain text, not JSON). */
export const NodeStatusPayload = { ONLINE: 'online', OFFLINE: 'offline' } as const;
export type NodeStatusPayload = (typeof NodeStatusPayload)[keyof typeof NodeStatusPayload];

/** Longest id accepted as a topic level; far above ObjectIds, hostnames and job names. */
export const MAX_TOPIC_SEGMENT_LENGTH = 256;

/**
 * True when `segment` can be one topic level: non-empty, bounded, and free of the level
 * separator `/`, the wildcards `+` and `#`, and NUL (forbidden in MQTT strings).
 */
export function isValidTopicSegment(segment: unknown): segment is string {
  return (
    typeof segment === 'string' &&
    segment.length > 0 &&
    segment.length <= MAX_TOPIC_SEGMENT_LENGTH &&
    !/[/+#]/.test(segment) &&
    !segment.includes('\0')
  );
}

function segment(value: string, what: string): string {
  if (!isValidTopicSegment(value)) {
    // A programming error, not bad input: ids come from our own records.
    throw new RangeError(`${what} ${JSON.stringify(value)} cannot be used in an MQTT topic`);
  }
  return value;
}

/** `nodes/<nodeId>/<kind>`. Throws RangeError if `nodeId` is not a valid topic level. */
export function nodeTopic(nodeId: string, kind: NodeTopicKind): string {
  return `${NODES}/${segment(nodeId, 'node id')}/${kind}`;
}

/** `jobs/<jobName>/updates_available`. Throws RangeError if `jobName` is not a valid topic level. */
export function jobUpdatesTopic(jobName: string): string {
  return `${JOBS}/${segment(jobName, 'job name')}/${UPDATES_AVAILABLE}`;
}

/** Named builders for every topic. */
export const MqttTopics = {
  nodeInformation: (nodeId: string) => nodeTopic(nodeId, NodeTopic.INFORMATION),
  nodeJobsResources: (nodeId: string) => nodeTopic(nodeId, NodeTopic.JOBS_RESOURCES),
  nodeJob: (nodeId: string) => nodeTopic(nodeId, NodeTopic.JOB),
  nodeControlDeploy: (nodeId: string) => nodeTopic(nodeId, NodeTopic.CONTROL_DEPLOY),
  nodeControlDelete: (nodeId: string) => nodeTopic(nodeId, NodeTopic.CONTROL_DELETE),
  nodeControlError: (nodeId: string) => nodeTopic(nodeId, NodeTopic.CONTROL_ERROR),
  nodeStatus: (nodeId: string) => nodeTopic(nodeId, NodeTopic.STATUS),
  netSubnet: (nodeId: string) => nodeTopic(nodeId, NodeTopic.NET_SUBNET),
  netSubnetworkResult: (nodeId: string) => nodeTopic(nodeId, NodeTopic.NET_SUBNETWORK_RESULT),
  netTableQueryRequest: (nodeId: string) => nodeTopic(nodeId, NodeTopic.NET_TABLEQUERY_REQUEST),
  netTableQueryResult: (nodeId: string) => nodeTopic(nodeId, NodeTopic.NET_TABLEQUERY_RESULT),
  netServiceDeployed: (nodeId: string) => nodeTopic(nodeId, NodeTopic.NET_SERVICE_DEPLOYED),
  netServiceAddressChanged: (nodeId: string) =>
    nodeTopic(nodeId, NodeTopic.NET_SERVICE_ADDRESS_CHANGED),
  netServiceUndeployed: (nodeId: string) => nodeTopic(nodeId, NodeTopic.NET_SERVICE_UNDEPLOYED),
  netInterestRemove: (nodeId: string) => nodeTopic(nodeId, NodeTopic.NET_INTEREST_REMOVE),
  netPeers: (nodeId: string) => nodeTopic(nodeId, NodeTopic.NET_PEERS),
  netServices: (nodeId: string) => nodeTopic(nodeId, NodeTopic.NET_SERVICES),
  jobUpdatesAvailable: (jobName: string) => jobUpdatesTopic(jobName),
} as const;

/** Subscription filters (with wildcards) used by the cluster and the workers. */
export const MqttSubscriptions = {
  /** Cluster manager (Oakestra's three plus Canopy's status). */
  CLUSTER_MANAGER: [
    `${NODES}/+/${NodeTopic.INFORMATION}`,
    `${NODES}/+/${NodeTopic.JOB}`,
    `${NODES}/+/${NodeTopic.JOBS_RESOURCES}`,
    `${NODES}/+/${NodeTopic.STATUS}`,
  ],
  /** Cluster network manager: everything the workers' net managers publish. */
  CLUSTER_NETWORK: [`${NODES}/+/net/#`],
  /** Canopy's cluster: the net manager reports it handles (instance namespaces up / down). */
  CLUSTER_SERVICE_REPORTS: [
    `${NODES}/+/${NodeTopic.NET_SERVICE_DEPLOYED}`,
    `${NODES}/+/${NodeTopic.NET_SERVICE_UNDEPLOYED}`,
  ],
  /** Canopy's cluster: table queries and interest removals of the workers' net managers. */
  CLUSTER_TABLE_QUERIES: [
    `${NODES}/+/${NodeTopic.NET_TABLEQUERY_REQUEST}`,
    `${NODES}/+/${NodeTopic.NET_INTEREST_REMOVE}`,
  ],
  /** Node engine of worker `nodeId`: its control topics. */
  nodeEngine: (nodeId: string): string[] => [
    MqttTopics.nodeControlDeploy(nodeId),
    MqttTopics.nodeControlDelete(nodeId),
    MqttTopics.nodeControlError(nodeId),
  ],
  /**
   * Every job's update signal: what a worker's broker role may subscribe to (read only) besides
   * its own `nodes/<id>/#`. The net manager subscribes per job it is interested in.
   */
  ALL_JOB_UPDATES: `${JOBS}/+/${UPDATES_AVAILABLE}`,
  /** Net manager of worker `nodeId`: answers to its requests. */
  netManager: (nodeId: string): string[] => [
    MqttTopics.netSubnetworkResult(nodeId),
    MqttTopics.netTableQueryResult(nodeId),
    MqttTopics.netPeers(nodeId),
    MqttTopics.netServices(nodeId),
  ],
} as const;

/** Oakestra's MQTT client id for a node engine. */
export function nodeEngineClientId(nodeId: string): string {
  return `${segment(nodeId, 'node id')}-ne`;
}

export type ParsedTopic =
  | { scope: 'node'; nodeId: string; kind: NodeTopicKind }
  | { scope: 'job'; jobName: string; kind: typeof UPDATES_AVAILABLE };

/**
 * Recognises an incoming topic; null for anything that is not exactly one of ours (unknown
 * kind, wildcard or empty id, extra levels). Never throws.
 */
export function parseTopic(topic: unknown): ParsedTopic | null {
  if (typeof topic !== 'string' || topic.length > 1024) return null;
  const [root, id, ...rest] = topic.split('/');
  if (!isValidTopicSegment(id)) return null;
  const tail = rest.join('/');
  if (root === NODES && NODE_TOPIC_KINDS.has(tail)) {
    return { scope: 'node', nodeId: id, kind: tail as NodeTopicKind };
  }
  if (root === JOBS && tail === UPDATES_AVAILABLE) {
    return { scope: 'job', jobName: id, kind: UPDATES_AVAILABLE };
  }
  return null;
}

/** Reads a `nodes/<id>/status` payload; null unless exactly `online` or `offline`. */
export function parseNodeStatusPayload(payload: Uint8Array | string): NodeStatusPayload | null {
  if (payload.length > 16) return null;
  const text = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
  return text === NodeStatusPayload.ONLINE || text === NodeStatusPayload.OFFLINE ? text : null;
}
