import type { Ipv4Cidr } from './ipv4-cidr';
import type { RouteSpec } from './net-diff';
import type { TunnelBackendKind } from './net-manager.config';
import type { WorkerNetworkState } from './net-desired-state';

/**
 * One way of joining the workers of a cluster: an interface per worker and, per peer, whatever
 * makes the peer's subnet reachable through it. The manager owns the routes (`routes()` is pure)
 * so both backends share one tagged-route reconciliation.
 */
export interface TunnelBackend {
  readonly kind: TunnelBackendKind;
  readonly interfaceName: string;
  /** Creates or converges the interface and its peers (not the routes). */
  ensure(state: WorkerNetworkState, subnet: Ipv4Cidr): Promise<string[]>;
  /** Routes to the peers' subnets through the interface. Pure. */
  routes(state: WorkerNetworkState, subnet: Ipv4Cidr): Promise<RouteSpec[]> | RouteSpec[];
  /** Removes the interface and anything it runs (wireguard-go); idempotent. */
  remove(): Promise<string[]>;
}
