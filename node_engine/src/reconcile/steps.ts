import type { DeploymentStatus } from '@canopy/contracts';
import type { FinishedRecord } from '../desired/desired-set';
import type { InstanceKey } from '../desired/instance-spec';
import type { DesiredInstance } from './reconcile.types';

/** Why a container is taken away. */
export type RemovalReason =
  /** Not in the desired set (deleted, or left over). */
  | 'undesired'
  /** The desired spec or generation changed. */
  | 'replaced'
  /** Another container of the same instance is kept. */
  | 'duplicate'
  /** Labels unreadable or the runtime reports it dead: it cannot be adopted. */
  | 'broken';

/**
 * What the reconcile loop can do, as a discriminated union on `action` (balena-supervisor's
 * CompositionStep). inferSteps produces them; the executor table (executors.ts) has exactly one
 * executor per action, which the compiler checks.
 *
 * `group` is the unit of ordering: steps of one group run in order and the group stops at its
 * first failure; different groups are independent. A group is an instance key, or
 * `container:<id>` for a container without readable labels.
 */
export type Step =
  | {
      action: 'stop';
      group: string;
      containerId: string;
      virtualization: string;
      reason: RemovalReason;
    }
  | {
      action: 'remove';
      group: string;
      containerId: string;
      virtualization: string;
      reason: RemovalReason;
    }
  | { action: 'pull'; group: InstanceKey; image: string; platform?: string; virtualization: string }
  | { action: 'create'; group: InstanceKey; instance: DesiredInstance }
  /** containerId undefined = the container the preceding `create` of this group made. */
  | { action: 'start'; group: InstanceKey; containerId?: string; virtualization: string }
  /** Start an exited long-running container again; its backoff delay has passed. */
  | {
      action: 'restart';
      group: InstanceKey;
      containerId: string;
      virtualization: string;
      /** Totals after this restart. */
      restartCount: number;
      consecutive: number;
    }
  /** Nothing to do before `until` (a backoff is running): schedule a pass then. */
  | { action: 'wait'; group: InstanceKey; until: number; reason: string }
  /** The instance's status as observed; the reporter publishes it only when it changed. */
  | {
      action: 'report';
      group: InstanceKey;
      jobName: string;
      instanceNumber: number;
      status: DeploymentStatus;
      detail?: string;
      generation?: number;
      restartCount?: number;
      exitCode?: number;
      /** For a one-shot that ended: persisted so it is not run again. */
      finished?: FinishedRecord;
    };

export type StepAction = Step['action'];

/** Steps that change something (the rest only report or schedule). */
export function isChange(step: Step): boolean {
  return step.action !== 'report' && step.action !== 'wait';
}
