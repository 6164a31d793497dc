import type { Logger } from 'pino';
import { TunnelBackend } from '@canopy/contracts';
import {
  DEFAULT_TUNNEL_INTERFACE,
  tunnelInterface,
  type NetworkOptions,
} from '../config/node-config';
import { CommandRunner, NetManager, type NetManagerConfigInput } from '../network';
import type { StateStore } from '../state/state-store';
import { InstanceNetworkService } from './instance-network.service';

/** The net manager's settings from the node config's `network` section. */
export function netManagerConfigFor(network: NetworkOptions): NetManagerConfigInput {
  const active = tunnelInterface(network);
  const otherBackend =
    network.backend === TunnelBackend.WIREGUARD ? TunnelBackend.VXLAN : TunnelBackend.WIREGUARD;
  // The inactive backend's interface is only looked for (and removed); it needs a distinct name.
  let other = DEFAULT_TUNNEL_INTERFACE[otherBackend];
  if (other === active || other === network.bridge) other = `${other.slice(0, 13)}x`;
  return {
    bridge: network.bridge,
    tunnel: {
      backend: network.backend,
      port: network.tunnel_port,
      wireguardInterface: network.backend === TunnelBackend.WIREGUARD ? active : other,
      vxlanInterface: network.backend === TunnelBackend.VXLAN ? active : other,
    },
  };
}

/** The agent's InstanceNetworkService on the host's namespace. @throws Error on invalid interface names. */
export function createInstanceNetwork(
  network: NetworkOptions,
  store: StateStore,
  logger: Logger,
): InstanceNetworkService {
  const runner = new CommandRunner();
  const net = new NetManager({
    runner,
    config: netManagerConfigFor(network),
    logger: logger.child({ component: 'net' }),
  });
  return new InstanceNetworkService({
    net,
    store,
    runner,
    backend: network.backend,
    logger: logger.child({ component: 'network' }),
  });
}
