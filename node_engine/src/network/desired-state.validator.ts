import { MAX_PORT, MIN_PORT } from '@canopy/contracts';
import {
  addressAt,
  cidrContains,
  cidrSize,
  cidrsOverlap,
  isIpv4,
  parseCidr,
  type Ipv4Cidr,
} from './ipv4-cidr';
import { TunnelBackendKind, type NetManagerConfig } from './net-manager.config';
import { instanceLinkName } from './net-names';
import type { InstanceNetwork, NetnsRef, WorkerNetworkState } from './net-desired-state';
import { ServiceMode } from './net-desired-state';

export class DesiredStateError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid desired network state:\n  ${problems.join('\n  ')}`);
    this.name = 'DesiredStateError';
  }
}

/** A WireGuard key: 32 bytes in base64 (44 chars ending in `=`). */
export function isWireguardKey(key: string): boolean {
  return /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/.test(key);
}

/**
 * Problems of one instance on its own (port mappings, addresses, namespace), so the agent can
 * refuse a single bad deploy instead of the whole worker's state. Empty = valid.
 */
export function validateInstance(
  instance: InstanceNetwork,
  subnet: Ipv4Cidr | null,
  config: NetManagerConfig,
): string[] {
  const p: string[] = [];
  const at = `instance ${JSON.stringify(instance.key)}`;
  if (instance.key.length === 0) p.push('instance: empty key');
  p.push(...validateNetns(instance.netns, config).map((m) => `${at}: ${m}`));
  if (!isIpv4(instance.namespaceIp)) {
    p.push(`${at}: namespaceIp "${instance.namespaceIp}" is not an IPv4 address`);
  } else if (subnet !== null) {
    const reserved = [
      addressAt(subnet, 0),
      addressAt(subnet, 1),
      addressAt(subnet, cidrSize(subnet) - 1),
    ];
    if (!cidrContains(subnet, instance.namespaceIp)) {
      p.push(
        `${at}: namespaceIp ${instance.namespaceIp} is outside the worker subnet ${subnet.text}`,
      );
    } else if (reserved.includes(instance.namespaceIp)) {
      p.push(
        `${at}: namespaceIp ${instance.namespaceIp} is the network, gateway or broadcast address`,
      );
    }
  }
  if (instance.instanceIp !== undefined) {
    const pool = parseCidr(config.servicePool);
    if (
      !isIpv4(instance.instanceIp) ||
      (pool !== null && !cidrContains(pool, instance.instanceIp))
    ) {
      p.push(
        `${at}: instanceIp "${instance.instanceIp}" is not inside the service pool ${config.servicePool}`,
      );
    }
  }
  const seen = new Set<string>();
  for (const port of instance.ports) {
    const key = `${port.hostPort}/${port.protocol}`;
    for (const value of [port.hostPort, port.containerPort]) {
      if (!Number.isInteger(value) || value < MIN_PORT || value > MAX_PORT) {
        p.push(`${at}: port ${value} is outside ${MIN_PORT}-${MAX_PORT}`);
      }
    }
    if (port.protocol !== 'tcp' && port.protocol !== 'udp')
      p.push(`${at}: protocol ${String(port.protocol)}`);
    // Both protocols: the contracts parser reserves the tunnel port whatever the protocol.
    if (port.hostPort === config.tunnel.port) {
      p.push(`${at}: host port ${port.hostPort} is the worker tunnel port and cannot be mapped`);
    }
    if (seen.has(key)) p.push(`${at}: host port ${key} is mapped twice`);
    seen.add(key);
  }
  return p;
}

function validateNetns(netns: NetnsRef, config: NetManagerConfig): string[] {
  if ('path' in netns) {
    return netns.path.startsWith('/') && !netns.path.includes('\0')
      ? []
      : [`netns path "${netns.path}" must be absolute`];
  }
  const p: string[] = [];
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(netns.name) || netns.name.startsWith('.')) {
    p.push(`netns name "${netns.name}" is not a valid namespace name`);
  }
  if (netns.owned === true && !netns.name.startsWith(config.ownedNetnsPrefix)) {
    p.push(`owned netns "${netns.name}" must start with "${config.ownedNetnsPrefix}"`);
  }
  return p;
}

/** Every problem of the desired state at once (empty = valid). Pure. */
export function validateDesiredState(
  state: WorkerNetworkState,
  config: NetManagerConfig,
): string[] {
  const p: string[] = [];
  const subnet = parseCidr(state.subnet);
  const pool = parseCidr(config.servicePool);
  if (subnet === null)
    p.push(`subnet "${state.subnet}" is not an IPv4 prefix (host bits must be zero)`);
  else if (subnet.prefix > 29) p.push(`subnet ${subnet.text} is too small (at most /29)`);
  if (subnet !== null && pool !== null && cidrsOverlap(subnet, pool)) {
    p.push(`subnet ${subnet.text} overlaps the service pool ${pool.text}`);
  }
  if (!isIpv4(state.underlayAddress))
    p.push(`underlayAddress "${state.underlayAddress}" is not an IPv4 address`);
  const wireguard = config.tunnel.backend === TunnelBackendKind.WIREGUARD;
  if (wireguard && (state.privateKey === undefined || !isWireguardKey(state.privateKey))) {
    p.push('privateKey: a WireGuard private key is required with the wireguard backend');
  }

  const peerIds = new Set<string>();
  const peerNets: { id: string; cidr: Ipv4Cidr }[] = [];
  for (const peer of state.peers) {
    const at = `peer ${JSON.stringify(peer.id)}`;
    if (peer.id.length === 0) p.push('peer: empty id');
    if (peerIds.has(peer.id)) p.push(`${at}: listed twice`);
    peerIds.add(peer.id);
    const cidr = parseCidr(peer.subnet);
    if (cidr === null) {
      p.push(`${at}: subnet "${peer.subnet}" is not an IPv4 prefix`);
    } else {
      if (subnet !== null && cidrsOverlap(cidr, subnet))
        p.push(`${at}: subnet ${cidr.text} overlaps this worker's`);
      const clash = peerNets.find((other) => cidrsOverlap(other.cidr, cidr));
      if (clash) p.push(`${at}: subnet ${cidr.text} overlaps peer ${JSON.stringify(clash.id)}'s`);
      peerNets.push({ id: peer.id, cidr });
    }
    if (!isIpv4(peer.endpoint)) p.push(`${at}: endpoint "${peer.endpoint}" is not an IPv4 address`);
    if (
      peer.port !== undefined &&
      (!Number.isInteger(peer.port) || peer.port < 1 || peer.port > 65535)
    ) {
      p.push(`${at}: port ${peer.port} is outside 1-65535`);
    }
    if (wireguard && (peer.publicKey === undefined || !isWireguardKey(peer.publicKey))) {
      p.push(`${at}: a WireGuard public key is required with the wireguard backend`);
    }
  }
  const publicKeys = state.peers.map((peer) => peer.publicKey).filter((k) => k !== undefined);
  if (new Set(publicKeys).size !== publicKeys.length)
    p.push('peers: the same public key is listed twice');

  const keys = new Set<string>();
  const linkNames = new Map<string, string>();
  const nsIps = new Map<string, string>();
  const instanceIps = new Map<string, string>();
  const hostPorts = new Map<string, string>();
  const ownedNetns = new Set<string>();
  for (const instance of state.instances) {
    p.push(...validateInstance(instance, subnet, config));
    const at = `instance ${JSON.stringify(instance.key)}`;
    if (keys.has(instance.key)) p.push(`${at}: listed twice`);
    keys.add(instance.key);
    const link = instanceLinkName(config.linkPrefix, instance.key);
    const other = linkNames.get(link);
    if (other !== undefined && other !== instance.key)
      p.push(`${at}: link name ${link} collides with ${JSON.stringify(other)}`);
    linkNames.set(link, instance.key);
    const sameNs = nsIps.get(instance.namespaceIp);
    if (sameNs !== undefined && sameNs !== instance.key)
      p.push(`${at}: namespaceIp ${instance.namespaceIp} is also ${JSON.stringify(sameNs)}'s`);
    nsIps.set(instance.namespaceIp, instance.key);
    if (instance.instanceIp !== undefined) {
      const same = instanceIps.get(instance.instanceIp);
      if (same !== undefined && same !== instance.key)
        p.push(`${at}: instanceIp ${instance.instanceIp} is also ${JSON.stringify(same)}'s`);
      instanceIps.set(instance.instanceIp, instance.key);
    }
    for (const port of instance.ports) {
      const portKey = `${port.hostPort}/${port.protocol}`;
      const owner = hostPorts.get(portKey);
      if (owner !== undefined && owner !== instance.key)
        p.push(`${at}: host port ${portKey} is already mapped by ${JSON.stringify(owner)}`);
      hostPorts.set(portKey, instance.key);
    }
    if ('name' in instance.netns) {
      if (ownedNetns.has(instance.netns.name))
        p.push(`${at}: netns ${instance.netns.name} is used by two instances`);
      ownedNetns.add(instance.netns.name);
    }
  }

  const addresses = new Set<string>();
  for (const route of state.services) {
    const at = `service ${route.address}${route.name ? ` (${route.name})` : ''}`;
    if (!isIpv4(route.address) || (pool !== null && !cidrContains(pool, route.address))) {
      p.push(`${at}: address is not inside the service pool ${config.servicePool}`);
    }
    if (addresses.has(route.address)) p.push(`${at}: listed twice`);
    addresses.add(route.address);
    if (!Object.values(ServiceMode).includes(route.mode))
      p.push(`${at}: unknown mode ${String(route.mode)}`);
    if (route.mode === ServiceMode.INSTANCE && route.backends.length > 1)
      p.push(`${at}: an InstanceIP has one backend`);
    for (const backend of route.backends) {
      if (!isIpv4(backend.namespaceIp))
        p.push(`${at}: backend "${backend.namespaceIp}" is not an IPv4 address`);
      if (backend.rttMs !== undefined && !(Number.isFinite(backend.rttMs) && backend.rttMs >= 0)) {
        p.push(`${at}: rttMs ${backend.rttMs} must be a finite number ≥ 0`);
      }
    }
    const local = instanceIps.get(route.address);
    if (local !== undefined) {
      const instance = state.instances.find((i) => i.key === local);
      const sameTarget =
        route.mode === ServiceMode.INSTANCE &&
        route.backends.every((b) => b.namespaceIp === instance?.namespaceIp);
      if (!sameTarget)
        p.push(
          `${at}: is the InstanceIP of local instance ${JSON.stringify(local)} but routes elsewhere`,
        );
    }
  }
  return p;
}

export function assertValidDesiredState(state: WorkerNetworkState, config: NetManagerConfig): void {
  const problems = validateDesiredState(state, config);
  if (problems.length > 0) throw new DesiredStateError(problems);
}
