import type { DeploymentStatus } from '@canopy/contracts';
import { instanceKey, type InstanceKey } from '../desired/instance-spec';
import type { InstanceStatusEntry } from '../state/state-files.dto';

/** One instance's status as the worker reports it on `nodes/<id>/job`. */
export interface InstanceStatusEvent {
  jobName: string;
  instanceNumber: number;
  status: DeploymentStatus;
  detail?: string;
  generation?: number;
  restartCount?: number;
  exitCode?: number;
  /** Epoch ms when this status was first observed. */
  at: number;
}

/**
 * Remembers the last status of every instance and publishes a status event only when it
 * changes (the reconcile loop reports every instance on every pass). UNDEPLOYED is published
 * and the instance forgotten (the loop reports it once per removal: after the container is gone
 * there is nothing left to report it from).
 */
export class StatusReporter {
  private readonly last = new Map<InstanceKey, InstanceStatusEvent>();

  constructor(
    private readonly publish: (event: InstanceStatusEvent) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Returns true when the status changed (and was published). */
  report(event: Omit<InstanceStatusEvent, 'at'>): boolean {
    const key = instanceKey(event.jobName, event.instanceNumber);
    const previous = this.last.get(key);
    if (previous !== undefined && sameStatus(previous, event)) return false;
    const full: InstanceStatusEvent = { ...event, at: this.now() };
    if (event.status === 'UNDEPLOYED') this.last.delete(key);
    else this.last.set(key, full);
    this.publish(full);
    return true;
  }

  /** Instances with a live (not UNDEPLOYED) last status. */
  reportedKeys(): Set<InstanceKey> {
    return new Set(this.last.keys());
  }

  current(): InstanceStatusEvent[] {
    return [...this.last.values()];
  }

  /** Publishes every known status again (after the MQTT session was re-established). */
  republishAll(): void {
    for (const event of this.last.values()) this.publish(event);
  }

  /** For status.json. */
  entries(): InstanceStatusEntry[] {
    return this.current().map((e) => ({
      job_name: e.jobName,
      instance_number: e.instanceNumber,
      status: e.status,
      status_detail: e.detail,
      generation: e.generation,
      restart_count: e.restartCount,
      at: new Date(e.at).toISOString(),
    }));
  }
}

function sameStatus(
  a: Omit<InstanceStatusEvent, 'at'>,
  b: Omit<InstanceStatusEvent, 'at'>,
): boolean {
  return (
    a.status === b.status &&
    a.detail === b.detail &&
    a.generation === b.generation &&
    (a.restartCount ?? 0) === (b.restartCount ?? 0) &&
    a.exitCode === b.exitCode
  );
}
