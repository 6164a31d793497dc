import { DefaultPort, MAX_PORT, MIN_PORT } from '../network/default-ports';

export const PortProtocol = { TCP: 'tcp', UDP: 'udp' } as const;
export type PortProtocol = (typeof PortProtocol)[keyof typeof PortProtocol];

/** One `host[:container][/tcp|/udp]` entry of the SLA `port` field. */
export interface PortMapping {
  hostPort: number;
  /** Defaults to `hostPort` when the entry has no `:container` part. */
  containerPort: number;
  /** Defaults to tcp. */
  protocol: PortProtocol;
}

export type PortMappingsResult =
  { ok: true; mappings: PortMapping[] } | { ok: false; error: string };

/** Host ports no service may claim: the worker tunnel listens there. */
export const RESERVED_HOST_PORTS: readonly number[] = [DefaultPort.TUNNEL_UDP];

const ENTRY = /^(\d{1,5})(?::(\d{1,5}))?(?:\/(tcp|udp))?$/;

/**
 * Parses the SLA `port` field: entries `host[:container][/tcp|/udp]` joined by `;`. The empty
 * string means "no ports" (Oakestra's own example uses it). Empty entries, whitespace, port 0 or
 * above 65535, a reserved host port, or the same host port and protocol twice are rejected, so
 * a worker never has to guess which DNAT rule was meant.
 */
export function parsePortMappings(spec: string): PortMappingsResult {
  if (spec === '') return { ok: true, mappings: [] };
  const mappings: PortMapping[] = [];
  const seen = new Set<string>();
  for (const entry of spec.split(';')) {
    const match = ENTRY.exec(entry);
    if (match === null) {
      return { ok: false, error: `"${truncate(entry)}" is not host[:container][/tcp|/udp]` };
    }
    const hostPort = Number(match[1]);
    const containerPort = match[2] === undefined ? hostPort : Number(match[2]);
    const protocol = (match[3] ?? PortProtocol.TCP) as PortProtocol;
    for (const port of [hostPort, containerPort]) {
      if (port < MIN_PORT || port > MAX_PORT) {
        return { ok: false, error: `port ${port} is outside ${MIN_PORT}-${MAX_PORT}` };
      }
    }
    if (RESERVED_HOST_PORTS.includes(hostPort)) {
      return { ok: false, error: `host port ${hostPort} is reserved for the worker tunnel` };
    }
    const key = `${hostPort}/${protocol}`;
    if (seen.has(key)) return { ok: false, error: `host port ${key} is mapped twice` };
    seen.add(key);
    mappings.push({ hostPort, containerPort, protocol });
  }
  return { ok: true, mappings };
}

/** Inverse of parsePortMappings for canonical entries (always writes container and protocol). */
export function formatPortMappings(mappings: readonly PortMapping[]): string {
  return mappings.map((m) => `${m.hostPort}:${m.containerPort}/${m.protocol}`).join(';');
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
