import { parseCidr } from './ipv4-cidr';
import type { TunnelPeer } from './net-desired-state';

export interface WireguardInterfaceConfig {
  privateKey: string;
  listenPort: number;
  /** Default port of peers that do not name their own. */
  peerPort: number;
  persistentKeepaliveSeconds: number;
  peers: readonly TunnelPeer[];
}

export interface WireguardPeerConfig {
  publicKey: string;
  endpoint: string;
  allowedIps: string[];
  persistentKeepaliveSeconds: number;
}

/**
 * One WireGuard peer per worker; its allowed IPs are exactly its worker subnet: service and
 * instance addresses are DNATed to namespace IPs before routing, so nothing else needs to be
 * accepted from, or sent to, a peer (and a peer cannot spoof another worker's subnet).
 */
export function wireguardPeers(config: WireguardInterfaceConfig): WireguardPeerConfig[] {
  return config.peers
    .filter((peer): peer is TunnelPeer & { publicKey: string } => peer.publicKey !== undefined)
    .map((peer) => ({
      publicKey: peer.publicKey,
      endpoint: `${peer.endpoint}:${peer.port ?? config.peerPort}`,
      allowedIps: [parseCidr(peer.subnet)?.text ?? peer.subnet],
      persistentKeepaliveSeconds: config.persistentKeepaliveSeconds,
    }))
    .sort((a, b) => (a.publicKey < b.publicKey ? -1 : a.publicKey > b.publicKey ? 1 : 0));
}

/**
 * The interface's complete configuration in `wg setconf` format, for `wg syncconf <if>
 * /dev/stdin`: syncconf applies only the differences (live sessions survive) and drops peers
 * that are not listed, so it is the whole peer reconciliation. Contains the private key: pass
 * it on stdin only, never write it to a file or log it.
 */
export function renderWireguardConfig(config: WireguardInterfaceConfig): string {
  const lines = [
    '[Interface]',
    `PrivateKey = ${config.privateKey}`,
    `ListenPort = ${config.listenPort}`,
  ];
  for (const peer of wireguardPeers(config)) {
    lines.push(
      '',
      '[Peer]',
      `PublicKey = ${peer.publicKey}`,
      `AllowedIPs = ${peer.allowedIps.join(', ')}`,
      `Endpoint = ${peer.endpoint}`,
    );
    if (peer.persistentKeepaliveSeconds > 0)
      lines.push(`PersistentKeepalive = ${peer.persistentKeepaliveSeconds}`);
  }
  return `${lines.join('\n')}\n`;
}
