/**
 * Per-address packet counts of the DNAT rules in `nft -j list chain inet <table> services`
 * output: `ip daddr <address> counter …`. Anything else (other rules, unknown shapes, bad JSON)
 * is skipped, so a newer nft that adds fields cannot break the reader. Pure.
 */
export function parseServiceCounters(json: string): Map<string, number> {
  const counts = new Map<string, number>();
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    return counts;
  }
  const items = isRecord(doc) && Array.isArray(doc['nftables']) ? doc['nftables'] : [];
  for (const item of items) {
    const rule = isRecord(item) ? item['rule'] : undefined;
    const expr = isRecord(rule) && Array.isArray(rule['expr']) ? rule['expr'] : [];
    let address: string | undefined;
    let packets: number | undefined;
    for (const e of expr) {
      if (!isRecord(e)) continue;
      const match = e['match'];
      if (isRecord(match) && match['op'] === '==' && isDaddr(match['left'])) {
        if (typeof match['right'] === 'string') address = match['right'];
      }
      const counter = e['counter'];
      if (isRecord(counter) && typeof counter['packets'] === 'number') packets = counter['packets'];
    }
    if (address !== undefined && packets !== undefined)
      counts.set(address, (counts.get(address) ?? 0) + packets);
  }
  return counts;
}

function isDaddr(left: unknown): boolean {
  const payload = isRecord(left) ? left['payload'] : undefined;
  return isRecord(payload) && payload['protocol'] === 'ip' && payload['field'] === 'daddr';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
