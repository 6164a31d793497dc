import { AddressSpace, DefaultPort, TUNNEL_MTU } from '@canopy/contracts';
import { parseCidr } from './ipv4-cidr';
import { isValidIfName, isValidLinkPrefix } from './net-names';

export const TunnelBackendKind = { WIREGUARD: 'wireguard', VXLAN: 'vxlan' } as const;
export type TunnelBackendKind = (typeof TunnelBackendKind)[keyof typeof TunnelBackendKind];

/** Static settings of one worker's net manager (from the node config; not part of the desired state). */
export interface NetManagerConfig {
  /** The worker's bridge. */
  bridge: string;
  /** Prefix of the host-side instance veths `<prefix>v<hash>` (≤ 4 lowercase letters/digits). */
  linkPrefix: string;
  /** Every link the net manager creates carries this ifalias: the tag cleanup goes by. */
  linkAlias: string;
  /** Our nftables table (family inet). Nothing outside it is touched, except DOCKER-USER (below). */
  nftTable: string;
  /** Routing protocol number on every route we add (`ip route ... proto N`), so ours are listable. */
  routeProtocol: number;
  /** ServiceIPs and InstanceIPs: DNAT targets; unmatched traffic to it is rejected, never leaked. */
  servicePool: string;
  /** Owned (created) named namespaces must start with this, so orphans are found after a crash. */
  ownedNetnsPrefix: string;
  /**
   * Docker's iptables FORWARD policy is DROP, which also drops our bridge↔tunnel traffic (a drop
   * in any base chain is final). `auto`: when the DOCKER-USER chain exists, insert two tagged
   * ACCEPT rules for our bridge there; `on`: fail if it does not exist; `off`: never.
   */
  dockerForward: 'auto' | 'on' | 'off';
  tunnel: TunnelConfig;
}

export interface TunnelConfig {
  backend: TunnelBackendKind;
  /** WireGuard interface; also the name of wireguard-go's global socket /var/run/wireguard/<name>.sock. */
  wireguardInterface: string;
  vxlanInterface: string;
  /** UDP port of the tunnel (both backends); no port mapping may use it. */
  port: number;
  /** VXLAN network identifier (same on every worker of a cluster). */
  vxlanId: number;
  /** 1500 − 80 (IPv6 outer headers), WireGuard's own default. */
  wireguardMtu: number;
  /** 1500 − 50 (VXLAN over IPv4), Oakestra's tunnel MTU. */
  vxlanMtu: number;
  /** Keeps NAT mappings towards peers open; 0 = off. */
  persistentKeepaliveSeconds: number;
  /** `auto`: kernel WireGuard when `ip link add type wireguard` works, wireguard-go otherwise. */
  implementation: 'auto' | 'kernel' | 'userspace';
  wireguardGoBinary: string;
}

export const DEFAULT_NET_MANAGER_CONFIG: NetManagerConfig = {
  bridge: 'canopy0',
  linkPrefix: 'cnp',
  linkAlias: 'canopy',
  nftTable: 'canopy',
  routeProtocol: 233,
  servicePool: AddressSpace.SERVICE_IP_POOL_V4,
  ownedNetnsPrefix: 'cnp-',
  dockerForward: 'auto',
  tunnel: {
    backend: TunnelBackendKind.WIREGUARD,
    wireguardInterface: 'cnp-wg0',
    vxlanInterface: 'cnp-vx0',
    port: DefaultPort.TUNNEL_UDP,
    vxlanId: 1,
    wireguardMtu: 1420,
    vxlanMtu: TUNNEL_MTU,
    persistentKeepaliveSeconds: 25,
    implementation: 'auto',
    wireguardGoBinary: 'wireguard-go',
  },
};

export type NetManagerConfigInput = Partial<Omit<NetManagerConfig, 'tunnel'>> & {
  tunnel?: Partial<TunnelConfig>;
};

/** Defaults merged with `input`; throws listing every invalid field. */
export function resolveNetManagerConfig(input: NetManagerConfigInput = {}): NetManagerConfig {
  const config: NetManagerConfig = {
    ...DEFAULT_NET_MANAGER_CONFIG,
    ...input,
    tunnel: { ...DEFAULT_NET_MANAGER_CONFIG.tunnel, ...input.tunnel },
  };
  const problems: string[] = [];
  for (const [field, name] of [
    ['bridge', config.bridge],
    ['tunnel.wireguardInterface', config.tunnel.wireguardInterface],
    ['tunnel.vxlanInterface', config.tunnel.vxlanInterface],
  ] as const) {
    if (!isValidIfName(name))
      problems.push(`${field}: "${name}" is not a valid interface name (≤ 15 chars)`);
  }
  const names = [config.bridge, config.tunnel.wireguardInterface, config.tunnel.vxlanInterface];
  if (new Set(names).size !== names.length)
    problems.push('bridge and tunnel interfaces need distinct names');
  if (!isValidLinkPrefix(config.linkPrefix)) {
    problems.push(
      `linkPrefix: "${config.linkPrefix}" must be 1-4 lowercase letters/digits, starting with a letter`,
    );
  } else if (
    names.some(
      (n) => n.startsWith(`${config.linkPrefix}v`) && n.length === config.linkPrefix.length + 11,
    )
  ) {
    problems.push('linkPrefix: instance link names could collide with the bridge or tunnel name');
  }
  if (!/^[A-Za-z0-9_:.-]{1,64}$/.test(config.linkAlias))
    problems.push('linkAlias: 1-64 of [A-Za-z0-9_:.-]');
  if (!/^[A-Za-z][A-Za-z0-9_]{0,31}$/.test(config.nftTable))
    problems.push('nftTable: a letter then letters/digits/_ (≤ 32)');
  if (
    !Number.isInteger(config.routeProtocol) ||
    config.routeProtocol < 5 ||
    config.routeProtocol > 255
  ) {
    problems.push("routeProtocol: an integer 5-255 (0-4 are the kernel's own)");
  }
  if (parseCidr(config.servicePool) === null)
    problems.push(`servicePool: "${config.servicePool}" is not an IPv4 prefix`);
  if (!/^[A-Za-z0-9_.-]{1,32}$/.test(config.ownedNetnsPrefix))
    problems.push('ownedNetnsPrefix: 1-32 of [A-Za-z0-9_.-]');
  const t = config.tunnel;
  if (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535)
    problems.push('tunnel.port: 1-65535');
  if (!Number.isInteger(t.vxlanId) || t.vxlanId < 1 || t.vxlanId > 0xffffff)
    problems.push('tunnel.vxlanId: 1-16777215');
  for (const [field, mtu] of [
    ['tunnel.wireguardMtu', t.wireguardMtu],
    ['tunnel.vxlanMtu', t.vxlanMtu],
  ] as const) {
    if (!Number.isInteger(mtu) || mtu < 1280 || mtu > 9000) problems.push(`${field}: 1280-9000`);
  }
  if (
    !Number.isInteger(t.persistentKeepaliveSeconds) ||
    t.persistentKeepaliveSeconds < 0 ||
    t.persistentKeepaliveSeconds > 65535
  ) {
    problems.push('tunnel.persistentKeepaliveSeconds: 0-65535');
  }
  if (problems.length > 0)
    throw new Error(`invalid net manager config:\n  ${problems.join('\n  ')}`);
  return config;
}

/** MTU of the instance veths: the active tunnel's, so TCP picks an MSS that fits without fragmenting. */
export function instanceMtu(config: NetManagerConfig): number {
  return config.tunnel.backend === TunnelBackendKind.WIREGUARD
    ? config.tunnel.wireguardMtu
    : config.tunnel.vxlanMtu;
}

export function activeTunnelInterface(config: NetManagerConfig): string {
  return config.tunnel.backend === TunnelBackendKind.WIREGUARD
    ? config.tunnel.wireguardInterface
    : config.tunnel.vxlanInterface;
}
