import type { Logger } from 'pino';
import type { InstanceKey } from '../desired/instance-spec';
import type {
  ObservedContainer,
  DesiredInstance,
  FailureRecord,
  ReconcilePolicy,
  RestartRecord,
} from './reconcile.types';
import type { RuntimeRegistry } from '../runtime/runtime-driver';
import { ExclusiveRunner } from './exclusive-runner';
import { createExecutors, executeSteps, type ExecutorDeps } from './executors';
import { inferSteps } from './infer-steps';
import type { StatusReporter } from './status-reporter';
import { isChange, type Step } from './steps';

export interface ReconcileLoopOptions {
  runtimes: RuntimeRegistry;
  /** The current desired set (read at the start of every pass). */
  desired: () => DesiredInstance[];
  reporter: StatusReporter;
  recordFinished: ExecutorDeps['recordFinished'];
  policy: ReconcilePolicy;
  /** Period of the level-triggered pass. */
  intervalMs: number;
  logger: Logger;
  now?: () => number;
  /** Called after every pass with what was observed (resource reporting reuses it). */
  onObserved?: (containers: ObservedContainer[]) => void;
}

/** Passes after which a trigger stops looping even if steps keep coming (a step that "succeeds" without effect). */
const MAX_PASSES_PER_RUN = 8;

/**
 * The worker's level-triggered reconcile loop (balena-supervisor's applyTarget): observe the
 * runtime, infer steps against the desired set (pure), execute them, and observe again until
 * nothing changes. Runs on every desired-set change (trigger), on runtime events, when a backoff
 * ends, and every `intervalMs`; never two passes at once (ExclusiveRunner).
 *
 * It needs no connection to the cluster: the desired set is local, so the worker converges
 * while disconnected and after its own restart.
 */
export class ReconcileLoop {
  readonly restarts = new Map<InstanceKey, RestartRecord>();
  readonly failures = new Map<InstanceKey, FailureRecord>();
  private readonly runner: ExclusiveRunner;
  private readonly now: () => number;
  private interval: NodeJS.Timeout | undefined;
  private wake: { at: number; timer: NodeJS.Timeout } | undefined;
  private watchers: { close(): void }[] = [];
  private lastObserved: ObservedContainer[] = [];
  private passes = 0;
  private debounce: NodeJS.Timeout | undefined;

  constructor(private readonly options: ReconcileLoopOptions) {
    this.now = options.now ?? Date.now;
    this.runner = new ExclusiveRunner(
      (signal) => this.run(signal),
      (error) =>
        options.logger.error(
          { error: errorText(error) },
          'reconcile pass failed; retrying on the next trigger',
        ),
    );
  }

  /** Starts the periodic pass and runtime event watching, and runs a first pass. */
  start(): Promise<void> {
    this.interval = setInterval(() => void this.trigger('interval'), this.options.intervalMs);
    for (const driver of this.options.runtimes.values()) {
      this.watchers.push(
        driver.watch(() => {
          // Bursts (stop + die + destroy) collapse into one pass.
          clearTimeout(this.debounce);
          this.debounce = setTimeout(() => void this.trigger('runtime event'), 50);
        }),
      );
    }
    return this.trigger('start');
  }

  /** Requests a pass; resolves when a pass that started after this call has finished. */
  trigger(reason: string, options: { cancel?: boolean } = {}): Promise<void> {
    this.options.logger.trace({ reason }, 'reconcile triggered');
    return this.runner.trigger(options);
  }

  /** Containers seen by the last pass. */
  observed(): readonly ObservedContainer[] {
    return this.lastObserved;
  }

  get passCount(): number {
    return this.passes;
  }

  async stop(): Promise<void> {
    clearInterval(this.interval);
    clearTimeout(this.debounce);
    if (this.wake) clearTimeout(this.wake.timer);
    this.wake = undefined;
    for (const w of this.watchers) w.close();
    this.watchers = [];
    await this.runner.close();
  }

  /** One run: passes until converged (only reports and waits left) or MAX_PASSES_PER_RUN. */
  private async run(signal: AbortSignal): Promise<void> {
    const executors = createExecutors({
      runtimes: this.options.runtimes,
      reporter: this.options.reporter,
      restarts: this.restarts,
      failures: this.failures,
      recordFinished: this.options.recordFinished,
      wakeAt: (at) => this.wakeAt(at),
      logger: this.options.logger,
    });
    for (let pass = 0; pass < MAX_PASSES_PER_RUN && !signal.aborted; pass++) {
      const steps = await this.plan();
      this.passes++;
      const changes = steps.filter(isChange);
      if (changes.length > 0) {
        this.options.logger.debug({ steps: changes.map(describe) }, 'reconcile steps');
      }
      const byKey = new Map(this.options.desired().map((d) => [d.key, d]));
      await executeSteps(steps, executors, {
        signal,
        now: this.now,
        desired: (key) => byKey.get(key),
        failures: this.failures,
        logger: this.options.logger,
      });
      this.prune(byKey);
      if (changes.length === 0) return;
    }
  }

  private async plan(): Promise<Step[]> {
    const drivers = [...this.options.runtimes.values()];
    const [lists, images] = await Promise.all([
      Promise.all(drivers.map((d) => d.list())),
      Promise.all(drivers.map((d) => d.localImages())),
    ]);
    const observed = lists.flat();
    this.lastObserved = observed;
    this.options.onObserved?.(observed);
    return inferSteps(observed, this.options.desired(), {
      now: this.now(),
      localImages: new Set(images.flatMap((s) => [...s])),
      restarts: this.restarts,
      failures: this.failures,
      runtimes: new Set(this.options.runtimes.keys()),
      reported: this.options.reporter.reportedKeys(),
      policy: this.options.policy,
    });
  }

  /** Bookkeeping of instances that are no longer desired goes away with them. */
  private prune(desired: ReadonlyMap<InstanceKey, DesiredInstance>): void {
    for (const map of [this.restarts, this.failures]) {
      for (const key of map.keys()) if (!desired.has(key)) map.delete(key);
    }
  }

  private wakeAt(at: number): void {
    if (this.wake && this.wake.at <= at && this.wake.at > this.now()) return;
    if (this.wake) clearTimeout(this.wake.timer);
    const timer = setTimeout(
      () => {
        this.wake = undefined;
        void this.trigger('backoff ended');
      },
      Math.max(0, at - this.now()) + 5,
    );
    this.wake = { at, timer };
  }
}

function describe(step: Step): string {
  switch (step.action) {
    case 'stop':
    case 'remove':
      return `${step.action} ${step.containerId.slice(0, 12)} (${step.group}, ${step.reason})`;
    case 'pull':
      return `pull ${step.image} (${step.group})`;
    case 'create':
      return `create ${step.group}`;
    case 'start':
      return `start ${step.group}`;
    case 'restart':
      return `restart ${step.group} (#${step.restartCount})`;
    case 'wait':
    case 'report':
      return `${step.action} ${step.group}`;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
