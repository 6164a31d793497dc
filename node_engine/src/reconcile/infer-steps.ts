import { DeploymentStatus, parsePortMappings } from '@canopy/contracts';
import type { InstanceKey } from '../desired/instance-spec';
import { normalizeImageRef } from '../runtime/image-ref';
import { backoffDelay } from '../util/backoff';
import type {
  DesiredInstance,
  FailureRecord,
  ObservedContainer,
  ReconcileContext,
} from './reconcile.types';
import type { RemovalReason, Step } from './steps';

type ReportStep = Extract<Step, { action: 'report' }>;

/** Container states in which a process is (or is about to be) alive. */
const ALIVE = new Set(['running', 'paused', 'restarting']);

/**
 * The reconcile loop's brain, pure (no I/O, no clock: `ctx.now`): compares the containers this
 * worker runs with the instances it should run and returns the ordered steps that converge them.
 *
 * Order: first everything that takes containers away from instances that are no longer desired
 * (frees memory and host ports), then, per desired instance in key order: removals of stale
 * containers, then pull → create → start, or a restart, each followed or preceded by the status
 * to report. Reports are emitted on every pass (the reporter deduplicates).
 *
 * Rules:
 * - a container is adopted when its labels match the desired spec hash and generation, whatever
 *   its age: restarting the agent never restarts a healthy container;
 * - one-shot instances are never restarted: exit 0 → COMPLETED, else DEAD;
 * - long-running instances that exited are restarted after an exponential backoff
 *   (ctx.policy), reported DEAD with the restart count while they wait;
 * - a failed pull/create/start is retried with the same backoff, reported FAILED meanwhile;
 * - deploys this worker cannot run (unknown virtualization, privileged when not allowed,
 *   volumes, GPUs) are FAILED with the reason and not attempted until the spec changes.
 */
export function inferSteps(
  current: readonly ObservedContainer[],
  desired: readonly DesiredInstance[],
  ctx: ReconcileContext,
): Step[] {
  const wanted = new Map(desired.map((d) => [d.key, d]));
  const byKey = new Map<InstanceKey, ObservedContainer[]>();
  const removals: Step[] = [];

  for (const c of current) {
    if (c.key === undefined) {
      removals.push(...removeContainer(`container:${c.id}`, c, 'broken'));
      continue;
    }
    byKey.set(c.key, [...(byKey.get(c.key) ?? []), c]);
  }

  for (const [key, containers] of sorted(byKey)) {
    if (wanted.has(key)) continue;
    for (const c of containers) removals.push(...removeContainer(key, c, 'undesired'));
    const first = containers[0];
    if (first?.jobName !== undefined && first.instanceNumber !== undefined) {
      removals.push(report(key, first.jobName, first.instanceNumber, 'UNDEPLOYED', 'deleted'));
    }
  }
  for (const key of [...ctx.reported].sort()) {
    if (wanted.has(key) || byKey.has(key)) continue;
    const [jobName, n] = splitKey(key);
    if (jobName !== undefined) removals.push(report(key, jobName, n, 'UNDEPLOYED', 'deleted'));
  }

  const perInstance: Step[] = [];
  for (const d of [...desired].sort((a, b) => compare(a.key, b.key))) {
    perInstance.push(...stepsForInstance(d, byKey.get(d.key) ?? [], ctx));
  }
  return [...removals, ...perInstance];
}

function stepsForInstance(
  d: DesiredInstance,
  containers: readonly ObservedContainer[],
  ctx: ReconcileContext,
): Step[] {
  const { key, spec } = d;
  const status = (
    s: DeploymentStatus,
    detail?: string,
    extra: Partial<ReportStep> = {},
  ): ReportStep =>
    report(key, spec.job_name, spec.instance_number, s, detail, {
      generation: spec.generation,
      ...extra,
    });

  const problem = unsupportedReason(d, ctx);
  if (problem !== undefined) {
    const out: Step[] = [];
    for (const c of containers) out.push(...removeContainer(key, c, 'replaced'));
    out.push(status('FAILED', problem));
    return out;
  }

  const adoptable = containers.filter((c) => isCurrent(c, d));
  const keep = pickBest(adoptable);
  const out: Step[] = [];
  for (const c of containers) {
    if (c === keep) continue;
    out.push(...removeContainer(key, c, adoptable.includes(c) ? 'duplicate' : 'replaced'));
  }

  const restarts = ctx.restarts.get(key) ?? { count: 0, consecutive: 0 };
  const failure = currentFailure(ctx.failures.get(key), d);

  if (keep === undefined) {
    if (d.finished !== undefined) {
      out.push(
        status(d.finished.status, describeExit(d.finished.exitCode, false), {
          exitCode: d.finished.exitCode,
        }),
      );
      return out;
    }
    const image = normalizeImageRef(spec.image);
    const actions: Step[] = [];
    if (!ctx.localImages.has(image)) {
      actions.push({
        action: 'pull',
        group: key,
        image: spec.image,
        platform: spec.platform,
        virtualization: spec.virtualization,
      });
    }
    actions.push({ action: 'create', group: key, instance: d });
    actions.push({ action: 'start', group: key, virtualization: spec.virtualization });
    if (failure === undefined) {
      const doing = ctx.localImages.has(image) ? 'creating container' : `pulling ${spec.image}`;
      return [...out, status('CREATING', doing), ...actions];
    }
    return [...out, ...gate(failure, actions, ctx, status)];
  }

  if (ALIVE.has(keep.state)) {
    const detail = restarts.count > 0 ? `restarted ${restarts.count} times` : undefined;
    out.push(status('RUNNING', detail, { restartCount: restarts.count }));
    return out;
  }

  if (keep.state === 'created') {
    // Created but never started (e.g. the agent stopped between the two steps).
    const start: Step = {
      action: 'start',
      group: key,
      containerId: keep.id,
      virtualization: keep.virtualization,
    };
    if (failure === undefined) return [...out, status('CREATING', 'starting container'), start];
    return [...out, ...gate(failure, [start], ctx, status)];
  }

  // exited: never started successfully, or ended.
  const exitCode = keep.exitCode ?? -1;
  if (spec.one_shot) {
    const final = exitCode === 0 ? DeploymentStatus.COMPLETED : DeploymentStatus.DEAD;
    out.push(
      status(final, describeExit(exitCode, keep.oomKilled), {
        exitCode,
        finished: {
          status: final,
          exitCode,
          at: new Date(keep.finishedAt ?? ctx.now).toISOString(),
        },
      }),
    );
    return out;
  }

  if (keep.startedAt === undefined) {
    // Exited without ever running: a start that failed, not a crash; start it again.
    const start: Step = {
      action: 'start',
      group: key,
      containerId: keep.id,
      virtualization: keep.virtualization,
    };
    if (failure === undefined) return [...out, status('CREATING', 'starting container'), start];
    return [...out, ...gate(failure, [start], ctx, status)];
  }

  const ranFor = (keep.finishedAt ?? ctx.now) - keep.startedAt;
  const consecutive = ranFor >= ctx.policy.backoffResetMs ? 0 : restarts.consecutive;
  const due = (keep.finishedAt ?? ctx.now) + backoffDelay(consecutive, restartBackoff(ctx));
  const next = restarts.count + 1;
  const exited = describeExit(exitCode, keep.oomKilled);
  if (failure !== undefined && failure.phase === 'restart') {
    const restart: Step = {
      action: 'restart',
      group: key,
      containerId: keep.id,
      virtualization: keep.virtualization,
      restartCount: next,
      consecutive: consecutive + 1,
    };
    return [...out, ...gate(failure, [restart], ctx, status)];
  }
  // The detail depends only on the backoff, not on the time left: the reporter publishes a
  // status only when it changes, so one crash gives one DEAD event.
  const delayS = Math.round(backoffDelay(consecutive, restartBackoff(ctx)) / 100) / 10;
  out.push(
    status('DEAD', `${exited}; restart ${next} after ${delayS}s backoff`, {
      exitCode,
      restartCount: restarts.count,
    }),
  );
  if (ctx.now < due) {
    out.push({ action: 'wait', group: key, until: due, reason: `restart backoff of ${key}` });
    return out;
  }
  out.push({
    action: 'restart',
    group: key,
    containerId: keep.id,
    virtualization: keep.virtualization,
    restartCount: next,
    consecutive: consecutive + 1,
  });
  return out;
}

/**
 * Why this worker cannot run the instance at all (retrying will not help until the spec
 * changes), or undefined.
 */
export function unsupportedReason(
  d: DesiredInstance,
  ctx: Pick<ReconcileContext, 'runtimes' | 'policy'>,
): string | undefined {
  const { spec } = d;
  if (!ctx.runtimes.has(spec.virtualization)) {
    const available = [...ctx.runtimes].sort().join(', ') || 'none';
    return `virtualization "${spec.virtualization}" is not available on this worker (available: ${available})`;
  }
  if (spec.privileged && !ctx.policy.allowPrivileged) {
    return 'privileged containers are disabled on this worker (config runtime.allow_privileged)';
  }
  if ((spec.volumes?.length ?? 0) > 0)
    return 'volumes are not supported by this worker yet (no CSI drivers)';
  if (spec.vgpus > 0) return 'GPUs are not supported by this worker yet';
  if (spec.port !== undefined) {
    const ports = parsePortMappings(spec.port);
    if (!ports.ok) return `invalid port mapping: ${ports.error}`;
  }
  return undefined;
}

/** Holds `actions` back while the failure's backoff runs; the report says why. */
function gate(
  failure: FailureRecord,
  actions: Step[],
  ctx: ReconcileContext,
  status: (s: DeploymentStatus, detail?: string) => ReportStep,
): Step[] {
  const delay = backoffDelay(failure.attempts - 1, restartBackoff(ctx));
  const retryAt = failure.at + delay;
  const key = actions[0]?.group ?? '';
  const detail = `${failure.reason} (attempt ${failure.attempts}; next try after ${Math.round(delay / 100) / 10}s)`;
  if (ctx.now < retryAt) {
    return [
      status('FAILED', detail),
      { action: 'wait', group: key, until: retryAt, reason: `retry backoff of ${key}` },
    ];
  }
  return [status('FAILED', detail), ...actions];
}

/** The recorded failure if it concerns the current spec and generation. */
function currentFailure(
  f: FailureRecord | undefined,
  d: DesiredInstance,
): FailureRecord | undefined {
  if (f === undefined) return undefined;
  return f.specHash === d.specHash && f.generation === d.spec.generation ? f : undefined;
}

/** Same spec (hash), runtime and generation (or no generations to compare), and usable. */
function isCurrent(c: ObservedContainer, d: DesiredInstance): boolean {
  if (c.state === 'dead' || c.state === 'removing') return false;
  if (c.virtualization !== d.spec.virtualization || c.specHash !== d.specHash) return false;
  const want = d.spec.generation;
  return want === undefined || c.generation === undefined || c.generation >= want;
}

/** Prefer a live container, then the most recently started one, then the lowest id. */
function pickBest(cs: readonly ObservedContainer[]): ObservedContainer | undefined {
  return [...cs].sort((a, b) => {
    const alive = Number(ALIVE.has(b.state)) - Number(ALIVE.has(a.state));
    if (alive !== 0) return alive;
    const started = (b.startedAt ?? 0) - (a.startedAt ?? 0);
    return started !== 0 ? started : compare(a.id, b.id);
  })[0];
}

function removeContainer(group: string, c: ObservedContainer, reason: RemovalReason): Step[] {
  const out: Step[] = [];
  if (ALIVE.has(c.state) || c.state === 'created') {
    out.push({
      action: 'stop',
      group,
      containerId: c.id,
      virtualization: c.virtualization,
      reason,
    });
  }
  if (c.state !== 'removing') {
    out.push({
      action: 'remove',
      group,
      containerId: c.id,
      virtualization: c.virtualization,
      reason,
    });
  }
  return out;
}

function report(
  key: InstanceKey,
  jobName: string,
  instanceNumber: number,
  status: DeploymentStatus,
  detail?: string,
  extra: Partial<ReportStep> = {},
): ReportStep {
  const step: ReportStep = { action: 'report', group: key, jobName, instanceNumber, status };
  if (detail !== undefined) step.detail = detail;
  for (const [k, v] of Object.entries(extra)) {
    if (v !== undefined) (step as unknown as Record<string, unknown>)[k] = v;
  }
  return step;
}

function restartBackoff(ctx: ReconcileContext): { baseMs: number; maxMs: number } {
  return { baseMs: ctx.policy.backoffBaseMs, maxMs: ctx.policy.backoffMaxMs };
}

function describeExit(exitCode: number, oomKilled: boolean): string {
  return oomKilled
    ? `killed: out of memory (exit code ${exitCode})`
    : `exited with code ${exitCode}`;
}

function splitKey(key: InstanceKey): [string | undefined, number] {
  const at = key.lastIndexOf('#');
  const n = Number(key.slice(at + 1));
  return at > 0 && Number.isInteger(n) ? [key.slice(0, at), n] : [undefined, 0];
}

function sorted<V>(map: ReadonlyMap<string, V>): [string, V][] {
  return [...map].sort(([a], [b]) => compare(a, b));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
