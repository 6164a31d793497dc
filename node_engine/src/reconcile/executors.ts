import type { Logger } from 'pino';
import type { FinishedRecord } from '../desired/desired-set';
import type { InstanceKey } from '../desired/instance-spec';
import type { RuntimeDriver, RuntimeRegistry } from '../runtime/runtime-driver';
import type { StatusReporter } from './status-reporter';
import type {
  DesiredInstance,
  FailurePhase,
  FailureRecord,
  RestartRecord,
} from './reconcile.types';
import type { Step, StepAction } from './steps';

/** State shared by the steps of one group while they run. */
export interface GroupContext {
  /** Set by `create`, read by the following `start`. */
  createdContainerId?: string;
  signal: AbortSignal;
}

/**
 * One executor per step action; the mapped type makes a missing or mistyped executor a compile
 * error (balena-supervisor's getExecutors()).
 */
export type Executors = {
  [A in StepAction]: (step: Extract<Step, { action: A }>, group: GroupContext) => Promise<void>;
};

export interface ExecutorDeps {
  runtimes: RuntimeRegistry;
  reporter: StatusReporter;
  restarts: Map<InstanceKey, RestartRecord>;
  failures: Map<InstanceKey, FailureRecord>;
  /** Persists how a one-shot instance ended. */
  recordFinished(key: InstanceKey, finished: FinishedRecord): Promise<void>;
  /** Asks for a reconcile pass at `at` (epoch ms). */
  wakeAt(at: number): void;
  logger: Logger;
}

export function createExecutors(deps: ExecutorDeps): Executors {
  const runtime = (virtualization: string): RuntimeDriver => {
    const driver = deps.runtimes.get(virtualization);
    if (!driver) throw new Error(`no runtime driver for virtualization "${virtualization}"`);
    return driver;
  };
  return {
    stop: async (step) => {
      deps.logger.info(
        { instance: step.group, container: step.containerId, reason: step.reason },
        'stopping container',
      );
      await runtime(step.virtualization).stop(step.containerId);
    },
    remove: async (step) => {
      await runtime(step.virtualization).remove(step.containerId);
      deps.logger.info(
        { instance: step.group, container: step.containerId, reason: step.reason },
        'removed container',
      );
    },
    pull: async (step, group) => {
      await runtime(step.virtualization).pull(step.image, {
        platform: step.platform,
        signal: group.signal,
      });
    },
    create: async (step, group) => {
      const id = await runtime(step.instance.spec.virtualization).create(step.instance);
      group.createdContainerId = id;
      deps.logger.info(
        { instance: step.group, container: id, generation: step.instance.spec.generation },
        'created container',
      );
    },
    start: async (step, group) => {
      const id = step.containerId ?? group.createdContainerId;
      if (id === undefined) throw new Error('start without a container (no create before it)');
      await runtime(step.virtualization).start(id);
      deps.failures.delete(step.group);
      deps.logger.info({ instance: step.group, container: id }, 'started container');
    },
    restart: async (step) => {
      await runtime(step.virtualization).start(step.containerId);
      deps.restarts.set(step.group, { count: step.restartCount, consecutive: step.consecutive });
      deps.failures.delete(step.group);
      deps.logger.warn(
        { instance: step.group, container: step.containerId, restarts: step.restartCount },
        'restarted exited service',
      );
    },
    wait: async (step) => {
      deps.wakeAt(step.until);
    },
    report: async (step) => {
      if (step.finished !== undefined) await deps.recordFinished(step.group, step.finished);
      deps.reporter.report({
        jobName: step.jobName,
        instanceNumber: step.instanceNumber,
        status: step.status,
        detail: step.detail,
        generation: step.generation,
        restartCount: step.restartCount,
        exitCode: step.exitCode,
      });
    },
  };
}

const PHASE: Partial<Record<StepAction, FailurePhase>> = {
  pull: 'pull',
  create: 'create',
  start: 'start',
  restart: 'restart',
};

/** Steps that bring an instance up (their groups run after pure removal groups). */
const BRING_UP: ReadonlySet<StepAction> = new Set(['pull', 'create', 'start', 'restart']);

export interface ExecuteOptions {
  signal: AbortSignal;
  /** Groups running at once (pulls can be slow; removals and restarts should not wait). */
  concurrency?: number;
  now: () => number;
  /** Desired instance of a group, to tie a failure to its spec and generation. */
  desired: (key: InstanceKey) => DesiredInstance | undefined;
  failures: Map<InstanceKey, FailureRecord>;
  logger: Logger;
}

export interface ExecuteResult {
  executed: number;
  failed: number;
}

/**
 * Runs inferred steps: groups that only take containers away first, then the others; steps of
 * one group in order, stopping at the group's first failure; groups concurrently up to
 * `concurrency`. A failure while bringing an instance up is recorded (FailureRecord) so the next
 * inference reports FAILED and retries after a backoff; nothing here throws.
 */
export async function executeSteps(
  steps: readonly Step[],
  executors: Executors,
  options: ExecuteOptions,
): Promise<ExecuteResult> {
  const groups = new Map<string, Step[]>();
  for (const step of steps) groups.set(step.group, [...(groups.get(step.group) ?? []), step]);
  const all = [...groups.entries()];
  const first = all.filter(([, s]) => !s.some((x) => BRING_UP.has(x.action)));
  const then = all.filter(([, s]) => s.some((x) => BRING_UP.has(x.action)));
  const result: ExecuteResult = { executed: 0, failed: 0 };

  const runGroup = async ([group, groupSteps]: [string, Step[]]): Promise<void> => {
    const ctx: GroupContext = { signal: options.signal };
    for (const step of groupSteps) {
      if (options.signal.aborted && step.action !== 'report') return;
      try {
        await (executors[step.action] as (s: Step, g: GroupContext) => Promise<void>)(step, ctx);
        result.executed++;
      } catch (error) {
        result.failed++;
        const reason = error instanceof Error ? error.message : String(error);
        if (options.signal.aborted) {
          // Cancelled for a newer desired set (e.g. a pull interrupted): not the instance's fault.
          options.logger.debug(
            { instance: group, action: step.action, reason },
            `${step.action} cancelled`,
          );
          return;
        }
        const phase = PHASE[step.action];
        const d = options.desired(group);
        if (phase !== undefined && d !== undefined) {
          const previous = options.failures.get(group);
          const same =
            previous?.specHash === d.specHash && previous.generation === d.spec.generation;
          options.failures.set(group, {
            specHash: d.specHash,
            generation: d.spec.generation,
            phase,
            reason,
            attempts: same ? previous.attempts + 1 : 1,
            at: options.now(),
          });
        }
        options.logger.error(
          { instance: group, action: step.action, reason },
          `${step.action} failed`,
        );
        return;
      }
    }
  };

  await runLimited(first, options.concurrency ?? 4, runGroup);
  await runLimited(then, options.concurrency ?? 4, runGroup);
  return result;
}

async function runLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}
