import type { ResourceAggregate, TunnelPeer } from '@canopy/contracts/grpc';

/** A registered cluster as the root's features see it (see ClusterRecord for the fields). */
export interface Cluster {
  id: string;
  cluster_name: string;
  cluster_location: string;
  ip: string;
  port: number;
  network_component_port: number;
  cluster_info: Record<string, string>;
  secret_hash: string;
  join_token_id: string;
  registered_at: Date;
  updated_at: Date;
  connected: boolean;
  session_id: string | null;
  connected_at: Date | null;
  disconnected_at: Date | null;
  last_report_at: Date | null;
  report_interval_ms: number;
  aggregate: ResourceAggregate | null;
  aggregation_per_architecture: Record<string, ResourceAggregate>;
  reported_instances: string[];
  worker_subnet_pool: string;
  tunnel_peers: TunnelPeer[];
  network_problem: string | null;
  active: boolean;
  inactive_since: Date | null;
}

/** What handle_init_final tells about a cluster (Oakestra's CS2Message, minus credentials). */
export interface ClusterDetails {
  cluster_name: string;
  cluster_location: string;
  ip: string;
  port: number;
  network_component_port: number;
  cluster_info: Record<string, string>;
}

/** The state a report carries, as stored. */
export interface ClusterReportState {
  aggregate: ResourceAggregate;
  aggregation_per_architecture: Record<string, ResourceAggregate>;
  reported_instances: string[];
  /** Already validated (see sanitizeTunnelPeers). */
  tunnel_peers: TunnelPeer[];
}
