import type { Logger } from 'pino';
import { TunnelBackend } from '@canopy/contracts';
import {
  DEFAULT_BRIDGE,
  DEFAULT_TUNNEL_INTERFACE,
  tunnelInterface,
  type NetworkOptions,
} from '../config/node-config';
import { CommandRunner, NetManager, parseCidr, type NetManagerConfigInput } from '../network';
import type { StateStore } from '../state/state-store';
import { InstanceNetworkService } from './instance-network.service';
import { RttProber } from './rtt.prober';
import { ServiceInterests, type InterestTransport } from './service-interests.service';
import { TableMissMonitor } from './table-miss.monitor';

/** The net manager's settings from the node config's `network` section. */
export function netManagerConfigFor(network: NetworkOptions): NetManagerConfigInput {
  const active = tunnelInterface(network);
  const otherBackend =
    network.backend === TunnelBackend.WIREGUARD ? TunnelBackend.VXLAN : TunnelBackend.WIREGUARD;
  // The inactive backend's interface is only looked for (and removed); it needs a distinct name.
  let other = DEFAULT_TUNNEL_INTERFACE[otherBackend];
  if (other === active || other === network.bridge) other = `${other.slice(0, 13)}x`;
  // Several agents may share a host (tests, labs), each with its own bridge: everything the net
  // manager finds by tag (nftables table, link alias) is then named after the bridge, so one
  // agent's cleanup or reconcile never touches another's. The default bridge keeps the plain names.
  const own =
    network.bridge === DEFAULT_BRIDGE
      ? {}
      : {
          nftTable: `canopy_${network.bridge.replace(/[^A-Za-z0-9_]/g, '_')}`,
          linkAlias: `canopy:${network.bridge}`,
        };
  return {
    bridge: network.bridge,
    ...own,
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

/** The query/interest flow and RTT measurement of one worker id, started and stopped together. */
export interface ServiceDiscovery {
  nodeId: string;
  interests: ServiceInterests;
  monitor: TableMissMonitor;
  prober: RttProber;
  start(): void;
  stop(): void;
}

export interface ServiceDiscoveryParams {
  nodeId: string;
  network: InstanceNetworkService;
  ttlSeconds: number;
  transport: InterestTransport;
  logger: Logger;
  /** Services whose interest never expires (see ServiceInterestsOptions.pinned). */
  pinned?: (jobName: string) => boolean;
  /** Test hooks: shorter periods. */
  rttIntervalMs?: number;
  refreshMs?: number;
}

/**
 * Wires table misses (`nft monitor trace` in the data plane's namespace) into ServiceInterests
 * and an RttProber into the `closest` routes of `network`.
 */
export function createServiceDiscovery(params: ServiceDiscoveryParams): ServiceDiscovery {
  const { network, logger } = params;
  const interests = new ServiceInterests({
    nodeId: params.nodeId,
    transport: params.transport,
    table: network,
    ttlMs: params.ttlSeconds * 1000,
    logger: logger.child({ component: 'interests' }),
    ...(params.pinned !== undefined ? { pinned: params.pinned } : {}),
    ...(params.refreshMs !== undefined ? { refreshMs: params.refreshMs } : {}),
  });
  const pool = parseCidr(network.net.config.servicePool);
  if (!pool) throw new Error(`service pool ${network.net.config.servicePool} is not a prefix`);
  const monitor = new TableMissMonitor({
    table: network.net.config.nftTable,
    pool,
    netns: network.net.netns,
    onMiss: (address) => interests.onMiss(address),
    logger: logger.child({ component: 'table-miss' }),
  });
  const prober = new RttProber({
    targets: () => network.rttTargets(),
    onRound: () => void network.onRttRound(),
    logger: logger.child({ component: 'rtt' }),
    ...(params.rttIntervalMs !== undefined ? { intervalMs: params.rttIntervalMs } : {}),
  });
  network.setRttLookup((id) => prober.rtt(id));
  return {
    nodeId: params.nodeId,
    interests,
    monitor,
    prober,
    start() {
      monitor.start();
      interests.start();
      prober.start();
    },
    stop() {
      prober.stop();
      interests.stop();
      monitor.stop();
    },
  };
}
