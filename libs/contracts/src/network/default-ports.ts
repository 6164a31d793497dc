/**
 * Oakestra's default ports (reference/oakestra.md §1, §9 "Firewall"). Canopy keeps them so an
 * Oakestra deployment's firewall rules and scripts keep working; every one is configurable.
 */
export const DefaultPort = {
  /** Root REST API (system manager). */
  ROOT_HTTP: 10000,
  /** Root gRPC: cluster registration and the cluster session stream. */
  ROOT_GRPC: 50052,
  /** Cluster manager HTTP API (worker handshake). */
  CLUSTER_HTTP: 10100,
  /** Per-cluster MQTT broker. */
  MQTT: 10003,
  /** Worker-to-worker tunnel (UDP). No service may map this host port. */
  TUNNEL_UDP: 50103,
} as const;
export type DefaultPort = (typeof DefaultPort)[keyof typeof DefaultPort];

/** Valid TCP/UDP port range for user port mappings. */
export const MIN_PORT = 1;
export const MAX_PORT = 65535;
