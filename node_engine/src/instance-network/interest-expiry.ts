/**
 * Interest expiry (reference/oakestra.md §7.4: a worker keeps an interest while traffic flows):
 * activity is read from the DNAT rules' counters (new connections per address), which start at
 * 0 whenever the nftables table is replaced (`generation` changes). Pure.
 */
export interface InterestActivity {
  /** When the interest last saw a new connection (or was created). */
  lastActiveMs: number;
  /** Counter generation the `seen` values belong to. */
  generation: number;
  /** Packets per service address at the last look. */
  seen: ReadonlyMap<string, number>;
}

export function newActivity(nowMs: number): InterestActivity {
  return { lastActiveMs: nowMs, generation: -1, seen: new Map() };
}

/**
 * The activity after one counter reading for the interest's `addresses`: active when a counter
 * grew since the last look; after a table replacement any non-zero count is new (the counters
 * restarted from 0; connections made just before the replacement and none after are missed,
 * which only makes an idle interest expire one TTL earlier than exact bookkeeping would).
 */
export function observeCounters(
  activity: InterestActivity,
  addresses: readonly string[],
  counters: { generation: number; packets: ReadonlyMap<string, number> },
  nowMs: number,
): InterestActivity {
  const sameGeneration = counters.generation === activity.generation;
  let active = false;
  const seen = new Map<string, number>();
  for (const address of addresses) {
    const now = counters.packets.get(address) ?? 0;
    const before = sameGeneration ? (activity.seen.get(address) ?? 0) : 0;
    if (now > before) active = true;
    seen.set(address, now);
  }
  return {
    lastActiveMs: active ? nowMs : activity.lastActiveMs,
    generation: counters.generation,
    seen,
  };
}

/**
 * Whether an interest is dropped: no new connection for `ttlMs`, and no instance of the job on
 * this worker (a worker always stays interested in the services it runs).
 */
export function interestExpired(
  activity: InterestActivity,
  nowMs: number,
  ttlMs: number,
  hasLocalInstance: boolean,
): boolean {
  return !hasLocalInstance && nowMs - activity.lastActiveMs >= ttlMs;
}
