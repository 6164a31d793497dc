import { graceExpired, type LivenessInput, livenessOf } from './cluster-liveness';

const t0 = new Date('2026-01-01T00:00:00.000Z');
const at = (ms: number): Date => new Date(t0.getTime() + ms);

function cluster(overrides: Partial<LivenessInput> = {}): LivenessInput {
  return {
    connected: true,
    registered_at: t0,
    connected_at: t0,
    disconnected_at: null,
    last_report_at: at(1_000),
    report_interval_ms: 1_000,
    ...overrides,
  };
}

describe('cluster liveness', () => {
  it.each<[string, Partial<LivenessInput>, number, boolean, number | null]>([
    // name, state, now (ms after t0), active, inactiveSince (ms after t0)
    ['connected and reporting', {}, 2_000, true, null],
    ['exactly 3 periods after the last report', {}, 4_000, true, null],
    ['silent for more than 3 periods', {}, 4_001, false, 4_000],
    [
      'stream closed: inactive at once',
      { connected: false, disconnected_at: at(1_500) },
      1_600,
      false,
      1_500,
    ],
    [
      'closed long after going silent: silence counts',
      { connected: false, disconnected_at: at(9_000) },
      9_500,
      false,
      4_000,
    ],
    [
      'never connected: inactive since registering',
      { connected: false, connected_at: null, last_report_at: null, report_interval_ms: 0 },
      1_000,
      false,
      0,
    ],
    [
      'default period when the cluster announced none',
      { report_interval_ms: 0 },
      40_000,
      true,
      null,
    ],
    [
      'connected but never reported: counted from the connect',
      { last_report_at: null, connected_at: at(10_000) },
      12_000,
      true,
      null,
    ],
  ])('%s', (_name, state, now, active, since) => {
    const result = livenessOf(cluster(state), at(now));
    expect(result.active).toBe(active);
    expect(result.inactiveSince?.getTime() ?? null).toBe(
      since === null ? null : at(since).getTime(),
    );
  });

  it('the grace period runs from when the cluster became inactive', () => {
    const state = cluster({ connected: false, disconnected_at: at(2_000) });
    expect(graceExpired(livenessOf(state, at(4_000)), 3_000, at(4_000))).toBe(false);
    expect(graceExpired(livenessOf(state, at(5_000)), 3_000, at(5_000))).toBe(true);
    expect(graceExpired(livenessOf(cluster(), at(2_000)), 0, at(2_000))).toBe(false);
  });

  it('only inactivity watched since the judge started counts (a root restart gives a full grace)', () => {
    const state = cluster({ connected: false, disconnected_at: at(2_000) });
    // The root was down from 2 s to 60 s: the cluster's silence meanwhile is not held against it.
    expect(graceExpired(livenessOf(state, at(61_000)), 3_000, at(61_000), at(60_000))).toBe(false);
    expect(graceExpired(livenessOf(state, at(63_000)), 3_000, at(63_000), at(60_000))).toBe(true);
    // Inactive after the judge started: counted from then, as before.
    expect(graceExpired(livenessOf(state, at(5_000)), 3_000, at(5_000), at(1_000))).toBe(true);
  });
});
