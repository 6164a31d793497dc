import type { PortMapping } from '@canopy/contracts';

/**
 * What the worker's data plane should look like. The net manager makes the host match it
 * (`NetManager.reconcile`), so after a crash the agent only has to hand it over again.
 * IPv4 only for now; every address is a separate field so IPv6 twins can be added beside them.
 */
export interface WorkerNetworkState {
  /** This worker's subnet from the cluster, e.g. `10.18.0.64/26`; the bridge takes its first address. */
  subnet: string;
  /** The worker's address on the underlay: VXLAN source and the address port mappings listen on. */
  underlayAddress: string;
  /** This worker's WireGuard private key (base64, from generateWireguardKeyPair); wireguard backend only. */
  privateKey?: string;
  /** The other workers of the cluster (never this one). */
  peers: TunnelPeer[];
  /** Instances running on this worker. */
  instances: InstanceNetwork[];
  /** Service and instance addresses this worker's instances may call (table query results). */
  services: ServiceRoute[];
}

export interface TunnelPeer {
  /** Worker id, for logs and rule comments. */
  id: string;
  /** The peer's worker subnet: the only destination routed to it. */
  subnet: string;
  /** The peer's underlay address. */
  endpoint: string;
  /** The peer's tunnel port (default: this worker's tunnel port). */
  port?: number;
  /** Its WireGuard public key (required with the wireguard backend). */
  publicKey?: string;
}

/**
 * A network namespace: `path` for one that exists already (a Docker container's
 * `/proc/<pid>/ns/net`), `name` for a named one under /run/netns. `owned: true` means the net
 * manager creates it on attach and deletes it on detach (unikernel-style instances, tests); its
 * name must start with the configured `ownedNetnsPrefix` so orphans are found after a crash.
 */
export type NetnsRef = { path: string } | { name: string; owned?: boolean };

export interface InstanceNetwork {
  /** Stable identity, e.g. `<job_name>#<instance_number>`; the veth name is derived from it. */
  key: string;
  netns: NetnsRef;
  /** Address from this worker's subnet (not the gateway). */
  namespaceIp: string;
  /** Its InstanceIP from the service pool, also assigned inside the namespace. */
  instanceIp?: string;
  /** Parsed SLA `port` entries: DNAT from the worker's underlay address. */
  ports: PortMapping[];
}

export const ServiceMode = {
  /** Spread new connections over all backends in turn (nftables numgen). */
  ROUND_ROBIN: 'round_robin',
  /** Send every connection to the backend with the lowest RTT from this worker. */
  CLOSEST: 'closest',
  /** An InstanceIP: exactly one backend. */
  INSTANCE: 'instance',
} as const;
export type ServiceMode = (typeof ServiceMode)[keyof typeof ServiceMode];

export interface ServiceRoute {
  /** ServiceIP or InstanceIP (inside the service pool). */
  address: string;
  mode: ServiceMode;
  backends: ServiceBackend[];
  /** Service name for rule comments. */
  name?: string;
}

export interface ServiceBackend {
  /** The instance's namespace IP (on this worker or a peer). */
  namespaceIp: string;
  /** Measured RTT from this worker; `closest` treats unknown as 0 for local and ∞ for remote instances. */
  rttMs?: number;
  /** e.g. the instance number, for rule comments. */
  label?: string;
}
