import { DEFAULT_REPORT_INTERVAL_MS, INACTIVE_AFTER_REPORT_PERIODS } from '@canopy/contracts';

/**
 * When a cluster counts as active (pure; DESIGN.md "Failure"):
 * - it must have a session open (`connected`), AND
 * - it must have been heard from (Hello or Report) within 3 of ITS report periods.
 *
 * A closed stream (crash, kill -9: the TCP connection resets) makes it inactive at once; a
 * silent one (partition, hung process, half-open connection) after 3 periods. The time it
 * became inactive starts the reschedule grace period.
 *
 * A root that restarts still finds `connected: true` from its previous life; such a cluster stays
 * active until 3 periods after its last report, which covers the few seconds it needs to
 * reconnect, so a root restart alone does not make every cluster inactive.
 */
export interface LivenessInput {
  connected: boolean;
  registered_at: Date;
  connected_at: Date | null;
  disconnected_at: Date | null;
  last_report_at: Date | null;
  report_interval_ms: number;
}

export interface Liveness {
  active: boolean;
  /** When it became (or becomes, if still active) inactive at the latest. */
  inactiveSince: Date | null;
  /** Last sign of life. */
  lastSeen: Date;
}

export function reportPeriodMs(c: Pick<LivenessInput, 'report_interval_ms'>): number {
  return c.report_interval_ms > 0 ? c.report_interval_ms : DEFAULT_REPORT_INTERVAL_MS;
}

export function livenessOf(c: LivenessInput, now: Date): Liveness {
  const lastSeen = latest([c.registered_at, c.connected_at, c.last_report_at]);
  const silentAt = new Date(lastSeen.getTime() + INACTIVE_AFTER_REPORT_PERIODS * reportPeriodMs(c));
  if (c.connected && now.getTime() <= silentAt.getTime()) {
    return { active: true, inactiveSince: null, lastSeen };
  }
  // Not connected and no recorded disconnect (never connected): inactive since last seen.
  const closedAt = c.connected ? silentAt : (c.disconnected_at ?? lastSeen);
  return {
    active: false,
    inactiveSince: closedAt.getTime() < silentAt.getTime() ? closedAt : silentAt,
    lastSeen,
  };
}

/**
 * Whether the grace period after becoming inactive is over (its instances move elsewhere). The
 * grace runs from when the cluster became inactive, but never from before `watchingSince` (when
 * the judge started watching; see ClusterGrace).
 */
export function graceExpired(
  liveness: Liveness,
  graceMs: number,
  now: Date,
  watchingSince: Date = new Date(0),
): boolean {
  if (liveness.active || liveness.inactiveSince === null) return false;
  const from = Math.max(liveness.inactiveSince.getTime(), watchingSince.getTime());
  return now.getTime() - from >= graceMs;
}

function latest(dates: readonly (Date | null)[]): Date {
  let best = 0;
  for (const d of dates) if (d !== null && d.getTime() > best) best = d.getTime();
  return new Date(best);
}
