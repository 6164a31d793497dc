// Public API of the worker's net manager (issue 6, worker data plane). The agent wires it in;
// nothing here imports agent, runtime or MQTT code.
export {
  NetManager,
  TUNNEL_FAILURE_KEY,
  type NetManagerOptions,
  type ReconcileReport,
  type NetInventory,
  type ServiceCounters,
} from './net-manager';
export {
  CommandRunner,
  CommandError,
  wrapInNetns,
  type CommandResult,
  type RunOptions,
} from './command.runner';
export {
  DEFAULT_NET_MANAGER_CONFIG,
  TunnelBackendKind,
  resolveNetManagerConfig,
  type NetManagerConfig,
  type NetManagerConfigInput,
  type TunnelConfig,
} from './net-manager.config';
export {
  ServiceMode,
  type WorkerNetworkState,
  type TunnelPeer,
  type InstanceNetwork,
  type NetnsRef,
  type ServiceRoute,
  type ServiceBackend,
} from './net-desired-state';
export {
  DesiredStateError,
  validateDesiredState,
  validateInstance,
  isWireguardKey,
} from './desired-state.validator';
export {
  generateWireguardKeyPair,
  wireguardPublicKey,
  type WireguardKeyPair,
} from './wireguard.backend';
export { renderRuleset } from './nft-ruleset.renderer';
export { parseServiceCounters } from './nft-counters.parser';
export { resolveServiceRoutes, selectClosestBackend } from './service-routes';
export { gatewayOf, parseCidr, cidrContains, type Ipv4Cidr } from './ipv4-cidr';
export { instanceLinkName } from './net-names';
export { instanceNetnsPath } from './instance.link';
